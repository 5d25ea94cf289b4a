# M3FD detection (RGB + infrared, 6 classes) as released: data/m3fd/{Vis,Ir,Annotation}/. The release
# has no split: write train.txt / test.txt (one id a line) under the root.
_base_ = './llvip_rgbt.py'
dataset_type = 'M3FDDataset'
data_root = 'data/m3fd'
img_scale = (1024, 768)
num_classes = 6
multimodal_preprocessor = dict(
    mean=dict(
        rgb=[123.675, 116.28, 103.53], infrared=[70.0]
    ),  # approximate 8-bit infrared statistics
    std=dict(rgb=[58.395, 57.12, 57.375], infrared=[50.0]),
)
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='train.txt',
        filter_cfg=dict(filter_empty_gt=False),
        pipeline={{_base_.train_pipeline}},
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type=dataset_type,
        data_root=data_root,
        ann_file='test.txt',
        test_mode=True,
        pipeline={{_base_.test_pipeline}},
    )
)
test_dataloader = val_dataloader
