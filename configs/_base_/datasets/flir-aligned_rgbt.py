# FLIR-aligned (RGB + thermal, person / car / bicycle) as distributed: data/flir_aligned/
# {JPEGImages, Annotations, align_train.txt, align_validation.txt}; 640x512 frames.
_base_ = './llvip_rgbt.py'
dataset_type = 'FLIRAlignedDataset'
data_root = 'data/flir_aligned'
img_scale = (640, 512)
num_classes = 3
multimodal_preprocessor = dict(
    modalities=dict(_delete_=True, rgb=3, thermal=1),
    # approximate 8-bit thermal statistics
    mean=dict(_delete_=True, rgb=[123.675, 116.28, 103.53], thermal=[120.0]),
    std=dict(_delete_=True, rgb=[58.395, 57.12, 57.375], thermal=[55.0]),
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
test_meta_keys = meta_keys + ('instances',)
_load = [
    dict(type='LoadImageFromFile'),
    # the thermal previews are 3 equal channels: read one (the loader checks that they are equal)
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
]
train_pipeline = _load + [
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = _load + [
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=test_meta_keys),
]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='align_train.txt',
        filter_cfg=dict(filter_empty_gt=False),
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='align_validation.txt',
        test_mode=True,
        pipeline=test_pipeline,
    )
)
test_dataloader = val_dataloader
