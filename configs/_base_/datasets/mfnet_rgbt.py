# MFNet 9 classes (RGB + thermal in one 4-channel PNG): data/mfnet/{images,labels}/, train/val/test.txt.
# Loaders, metric and loops as NYUDv2's.
_base_ = './nyudv2_rgbd.py'
dataset_type = 'MFNetDataset'
data_root = 'data/mfnet'
num_classes = 9
crop_size = (480, 640)
multimodal_preprocessor = dict(
    modalities=dict(_delete_=True, rgb=3, thermal=1),
    # thermal: 8-bit; approximate MFNet statistics
    mean=dict(_delete_=True, rgb=[123.675, 116.28, 103.53], thermal=[90.0]),
    std=dict(_delete_=True, rgb=[58.395, 57.12, 57.375], thermal=[45.0]),
    size=crop_size,
)
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
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline)
)
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
