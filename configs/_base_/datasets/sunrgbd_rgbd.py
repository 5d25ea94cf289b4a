# SUN RGB-D 37 classes: data/sunrgbd/{RGB,Depth,Label}/, train.txt (5285), test.txt (5050).
_base_ = './nyudv2_rgbd.py'
dataset_type = 'SUNRGBDDataset'
data_root = 'data/sunrgbd'
num_classes = 37
crop_size = (480, 480)  # SUN RGB-D frames vary in size (e.g. 730x530, 640x480)
multimodal_preprocessor = dict(
    # approximate SUN RGB-D depth statistics, metres
    mean=dict(rgb=[123.675, 116.28, 103.53], depth=[2.9]),
    std=dict(rgb=[58.395, 57.12, 57.375], depth=[1.6]),
    size=crop_size,
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),
    dict(type='LoadSegAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='RandomResize', scale=(640, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline)
)
val_dataloader = dict(dataset=dict(type=dataset_type, data_root=data_root))
test_dataloader = val_dataloader
