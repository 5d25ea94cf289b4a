# NYUDv2 40 classes: data/nyudv2/{RGB,Depth,Label}/, train.txt (795), test.txt (654)
dataset_type = 'NYUDv2Dataset'
data_root = 'data/nyudv2'
crop_size = (480, 640)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),  # mm -> m
    dict(type='LoadAnnotations'),
    dict(type='PhotoMetricDistortion'),  # before the concatenation: RGB only
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='RandomResize', scale=(640, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='Resize', scale=(640, 480), keep_ratio=True),
    dict(type='LoadAnnotations'),
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
# every batch is predicted once per modality subset (rgb+depth, rgb, depth); see the README's metric keys
val_cfg = dict(type='MissingModalityValLoop', table_keys=['mIoU', 'mAcc', 'aAcc'])
test_cfg = dict(type='MissingModalityTestLoop', table_keys=['mIoU', 'mAcc', 'aAcc'])
