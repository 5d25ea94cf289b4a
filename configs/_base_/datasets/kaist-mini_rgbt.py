# The KAIST fixture of the tests (tests/data/kaist: 4 training and 5 test images in the released layout,
# the original annotations for training, the improved ones for testing) at 160x128: CPU-sized demos.
_base_ = './kaist_rgbt.py'
data_root = 'tests/data/kaist'
img_scale = (160, 128)
_resize = dict(type='Resize', scale=img_scale, keep_ratio=True)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['thermal']),
    _resize,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys={{_base_.meta_keys}}),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
    dict(type='ConcatModalities', keys=['thermal']),
    _resize,
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys={{_base_.test_meta_keys}}),
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=dict(ann='annotations'), pipeline=train_pipeline),
)
val_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline),
)
test_dataloader = val_dataloader
