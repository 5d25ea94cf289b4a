# MFNet 9 classes (RGB + thermal in one 4-channel PNG): data/mfnet/{images,labels}/, train/val/test.txt.
dataset_type = 'MFNetDataset'
data_root = 'data/mfnet'
num_classes = 9
crop_size = (480, 640)
multimodal_preprocessor = dict(
    _delete_=True,
    type='MultiModalSegDataPreProcessor',
    modalities=dict(rgb=3, thermal=1),
    # thermal: 8-bit; approximate MFNet statistics
    mean=dict(rgb=[123.675, 116.28, 103.53], thermal=[90.0]),
    std=dict(rgb=[58.395, 57.12, 57.375], thermal=[45.0]),
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255,
    size=crop_size)
_load = [
    dict(type='LoadImageFromFile', color_type='unchanged'),  # B, G, R, thermal
    dict(type='SplitModalityFromImage', modality='thermal', channels=1),
]
train_pipeline = _load + [
    dict(type='LoadSegAnnotations'),
    dict(type='PhotoMetricDistortion'),  # RGB only
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='RandomResize', scale=(640, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = _load + [
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='LoadSegAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='train.txt', pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, ann_file='test.txt', pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
val_cfg = dict(type='MissingModalityValLoop', table_keys=['mIoU', 'mAcc', 'aAcc'])
test_cfg = dict(type='MissingModalityTestLoop', table_keys=['mIoU', 'mAcc', 'aAcc'])
