# KAIST Multispectral Pedestrian (RGB + thermal) in its released layout under data/kaist (docs/en/user_guides/kaist.md):
# images/setXX/VYYY/{visible,lwir}/, imageSets/, the sanitized training annotations (Li et al.) and the
# improved test annotations (Liu et al., 2252 images) in their own folders. Scored by the devkit's MR^-2.
dataset_type = 'KAISTDataset'
data_root = 'data/kaist'
img_scale = (640, 512)  # every KAIST frame is 640x512
num_classes = 1
multimodal_preprocessor = dict(
    _delete_=True,
    type='MultiModalDetDataPreprocessor',
    modalities=dict(rgb=3, thermal=1),
    # approximate 8-bit thermal statistics (measure yours: tools/analysis_tools/modality_stats.py)
    mean=dict(rgb=[123.675, 116.28, 103.53], thermal=[120.0]),
    std=dict(rgb=[58.395, 57.12, 57.375], thermal=[55.0]),
    bgr_to_rgb=True,
    pad_size_divisor=32,
)
meta_keys = (
    'img_id',
    'img_path',
    'thermal_path',
    'ori_shape',
    'img_shape',
    'scale_factor',
    'flip',
    'flip_direction',
)
# 'instances': KAISTMissRateMetric reads each image's annotations (label, occlusion, ...) from them
test_meta_keys = meta_keys + ('instances',)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='LoadModalityFromFile', modality='thermal', channels=1
    ),  # lwir: 1 or 3 equal channels
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),  # before the concatenation: RGB only
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=test_meta_keys),
]
# training: every 2nd frame of set00-05 with the sanitized annotations; images without a trainable
# person are skipped (people / person? / cyclist are ignore regions in training as in the benchmark)
train_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='AspectRatioBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='imageSets/train-all-02.txt',
        data_prefix=dict(img='images', ann='annotations_sanitized'),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
    ),
)
# the benchmark's test set: every 20th frame of set06-11 with the improved annotations
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='imageSets/test-all-20.txt',
        data_prefix=dict(img='images', ann='annotations_improved'),
        test_mode=True,
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='KAISTMissRateMetric')
test_evaluator = val_evaluator
# every batch is predicted once per modality subset (rgb+thermal, rgb, thermal); MR is lower-is-better
table_keys = ['kaist/MR_reasonable_all', 'kaist/MR_reasonable_day', 'kaist/MR_reasonable_night']
val_cfg = dict(type='MissingModalityValLoop', table_keys=table_keys)
test_cfg = dict(type='MissingModalityTestLoop', table_keys=table_keys)
