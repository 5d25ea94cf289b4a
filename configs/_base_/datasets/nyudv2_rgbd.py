# NYUDv2 40 classes: data/nyudv2/{RGB,Depth,Label}/, train.txt (795), test.txt (654)
# (tools/dataset_converters/nyudv2.py writes it from the official labelled .mat).
# Every dataset config defines multimodal_preprocessor and num_classes: a model config glues them with
# model = dict(data_preprocessor={{_base_.multimodal_preprocessor}}, ...num_classes...); the same
# fields are what tools/misc/add_mwam.py --dataset reads.
dataset_type = 'NYUDv2Dataset'
data_root = 'data/nyudv2'
num_classes = 40
crop_size = (480, 640)
multimodal_preprocessor = dict(
    _delete_=True,
    type='MultiModalSegDataPreProcessor',
    modalities=dict(rgb=3, depth=1),
    # depth in metres (LoadModalityFromFile scale); approximate NYUDv2 statistics
    mean=dict(rgb=[123.675, 116.28, 103.53], depth=[2.84]),
    std=dict(rgb=[58.395, 57.12, 57.375], depth=[1.42]),
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size,
)
# mmseg's PackSegInputs meta keys and the depth file, which warnings and errors about a batch then name
meta_keys = (
    'img_path',
    'depth_path',
    'seg_map_path',
    'ori_shape',
    'img_shape',
    'pad_shape',
    'scale_factor',
    'flip',
    'flip_direction',
    'reduce_zero_label',
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),  # mm -> m
    dict(type='LoadSegAnnotations'),
    dict(type='PhotoMetricDistortion'),  # before the concatenation: RGB only
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='RandomResize', scale=(640, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='Resize', scale=(640, 480), keep_ratio=True),
    dict(type='LoadSegAnnotations'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='train.txt', pipeline=train_pipeline
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type, data_root=data_root, ann_file='test.txt', pipeline=test_pipeline
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
# every batch is predicted once per modality subset (rgb+depth, rgb, depth); see docs/en/user_guides/missing_modality.md
val_cfg = dict(type='MissingModalityValLoop', table_keys=['mIoU', 'mAcc', 'aAcc'])
test_cfg = dict(type='MissingModalityTestLoop', table_keys=['mIoU', 'mAcc', 'aAcc'])
