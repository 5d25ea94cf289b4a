# llvip_mini at 320x256: CPU-sized demos. 30 train / 10 test LLVIP pairs, not in the repository: put them
# under data/llvip_mini (docs/en/user_guides/dataset_prepare.md) or set data_root.
_base_ = './llvip_rgbt.py'
data_root = 'data/llvip_mini'
img_scale = (320, 256)
_resize = dict(type='Resize', scale=img_scale, keep_ratio=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['infrared']),
    _resize,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='ConcatModalities', keys=['infrared']),
    _resize,
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys={{_base_.test_meta_keys}}),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=2,
    num_workers=2,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline),
)
test_dataloader = val_dataloader
