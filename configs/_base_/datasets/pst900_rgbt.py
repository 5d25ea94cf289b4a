# PST900 5 classes, as released: data/pst900/{train,test}/{rgb,thermal,labels}/ (720x1280 frames).
_base_ = './mfnet_rgbt.py'
dataset_type = 'PST900Dataset'
data_root = 'data/pst900'
num_classes = 5
crop_size = (720, 1280)
multimodal_preprocessor = dict(
    mean=dict(rgb=[123.675, 116.28, 103.53], thermal=[50.0]),  # approximate PST900 statistics
    std=dict(rgb=[58.395, 57.12, 57.375], thermal=[40.0]),
    size=crop_size,
)
# mmseg's PackSegInputs meta keys and the thermal file, which warnings and errors about a batch then name
meta_keys = (
    'img_path',
    'thermal_path',
    'seg_map_path',
    'ori_shape',
    'img_shape',
    'pad_shape',
    'scale_factor',
    'flip',
    'flip_direction',
    'reduce_zero_label',
)
_load = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
]
train_pipeline = _load + [
    dict(type='LoadSegAnnotations'),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='RandomResize', scale=(1280, 720), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
test_pipeline = _load + [
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='LoadSegAnnotations'),
    dict(type='PackSegInputs', meta_keys=meta_keys),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        split='train',
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True, type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline
    )
)
test_dataloader = val_dataloader
