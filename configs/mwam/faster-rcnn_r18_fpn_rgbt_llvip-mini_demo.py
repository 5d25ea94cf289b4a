# A CPU-sized Faster R-CNN (ResNet-18 encoders from scratch, 320x256) on ../shared/data/llvip_mini:
# 30 training pairs, so a smoke experiment, not a benchmark.
_base_ = './faster-rcnn_r50_fpn_rgbt_llvip.py'
data_root = '../shared/data/llvip_mini'
img_scale = (320, 256)
model = dict(
    detector=dict(
        backbone=dict(depth=18, init_cfg=None),
        neck=dict(in_channels=[64, 128, 256, 512]),
        # mmcv's CPU RoIAlign took 70% of a CPU step: 2 points a bin and fewer RoIs (CPU only)
        roi_head=dict(bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2))),
        train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=300), rcnn=dict(sampler=dict(num=128))),
        test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300))))
_resize = dict(type='Resize', scale=img_scale, keep_ratio=True)
meta_keys = ('img_id', 'img_path', 'infrared_path', 'ori_shape', 'img_shape', 'scale_factor', 'flip',
             'flip_direction')
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['infrared']),
    _resize,
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs', meta_keys=meta_keys),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='ConcatModalities', keys=['infrared']),
    _resize,
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PackDetInputs', meta_keys=meta_keys + ('instances', )),
]
train_dataloader = dict(
    batch_size=4, num_workers=2, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=2, num_workers=2, persistent_workers=False,
    dataset=dict(data_root=data_root, pipeline=test_pipeline))
test_dataloader = val_dataloader
max_epochs = 24
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(type='MultiStepLR', begin=0, end=max_epochs, by_epoch=True, milestones=[18], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(logger=dict(interval=8), checkpoint=dict(interval=max_epochs))
custom_hooks = [dict(type='FRMLoggerHook', interval=8)]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
