# The synthetic demo RGB-D set of tools/misc/make_demo_rgbd.py (NYUDv2 layout, 5 classes, 96x128).
_base_ = './nyudv2_rgbd.py'
dataset_type = 'MultiModalSegDataset'
data_root = 'data/demo_rgbd'
crop_size = (96, 128)
num_classes = 5
multimodal_preprocessor = dict(
    # the demo depth (metres): mean about 3.3, standard deviation about 0.55
    mean=dict(rgb=[123.675, 116.28, 103.53], depth=[3.3]),
    std=dict(rgb=[58.395, 57.12, 57.375], depth=[0.55]),
    size=crop_size,
)
metainfo = dict(
    classes=('background', 'red box', 'blue box', 'gray box', 'gray patch'),
    palette=[[120, 120, 120], [220, 40, 40], [40, 60, 220], [200, 200, 60], [60, 200, 200]],
)
demo_dataset = dict(
    _delete_=True,
    type=dataset_type,
    data_root=data_root,
    metainfo=metainfo,
    img_suffix='.jpg',
    seg_map_suffix='.png',
    data_prefix=dict(img_path='RGB', depth_path='Depth', seg_map_path='Label'),
    reduce_zero_label=True,
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),  # mm -> m
    dict(type='LoadSegAnnotations'),
    dict(type='PhotoMetricDistortion'),  # before the concatenation: RGB only
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='RandomResize', scale=(128, 96), ratio_range=(0.75, 1.5), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='depth', channels=1, scale=0.001),
    dict(type='ConcatModalities', keys=['depth']),
    dict(type='LoadSegAnnotations'),
    dict(type='PackSegInputs', meta_keys={{_base_.meta_keys}}),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(demo_dataset, ann_file='train.txt', pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(demo_dataset, ann_file='test.txt', pipeline=test_pipeline),
)
test_dataloader = val_dataloader
