# LLVIP in its released layout under data/llvip (visible/, infrared/, Annotations/); person boxes.
dataset_type = 'LLVIPDataset'
data_root = 'data/llvip'
img_scale = (1280, 1024)
num_classes = 1
multimodal_preprocessor = dict(
    _delete_=True,
    type='MultiModalDetDataPreprocessor',
    modalities=dict(rgb=3, infrared=1),
    # infrared: 8-bit LWIR, statistics of the llvip_mini train images
    mean=dict(rgb=[123.675, 116.28, 103.53], infrared=[38.85]),
    std=dict(rgb=[58.395, 57.12, 57.375], infrared=[40.01]),
    bgr_to_rgb=True,
    pad_size_divisor=32,
)
meta_keys = (
    'img_id',
    'img_path',
    'infrared_path',
    'ori_shape',
    'img_shape',
    'scale_factor',
    'flip',
    'flip_direction',
)
# 'instances': CocoMetric builds its ground truth from them (no COCO json needed)
test_meta_keys = meta_keys + ('instances',)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    # LLVIP stores infrared as 3 equal channels: read one (the loader checks that they are equal)
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),  # before the concatenation: RGB only
    dict(type='ConcatModalities', keys=['infrared']),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='ConcatModalities', keys=['infrared']),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=test_meta_keys),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        split='train',
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, split='test', test_mode=True, pipeline=test_pipeline
    ),
)
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='CocoMetric', metric='bbox', ann_file=None),
    dict(type='VOCMetric', metric='mAP', eval_mode='area'),
]
test_evaluator = val_evaluator
# every batch is predicted once per modality subset (rgb+infrared, rgb, infrared)
table_keys = ['coco/bbox_mAP', 'coco/bbox_mAP_50', 'pascal_voc/mAP']
val_cfg = dict(type='MissingModalityValLoop', table_keys=table_keys)
test_cfg = dict(type='MissingModalityTestLoop', table_keys=table_keys)
