# A CPU-sized RetinaNet (ResNet-18 encoders from scratch, 320x256) on data/llvip_mini:
# 30 training pairs, so a smoke experiment, not a benchmark.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_mwam.py',
    '../_base_/datasets/llvip-mini_rgbt.py',
    '../_base_/schedules/det_1x.py',
    '../_base_/det_runtime.py',
]
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(depth=18, frozen_stages=-1, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512]),
    bbox_head=dict(num_classes={{_base_.num_classes}}),
    test_cfg=dict(nms_pre=500, max_per_img=100),
)
max_epochs = 16
lr = 0.01
milestone = 12
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='MultiStepLR',
        begin=0,
        end=max_epochs,
        by_epoch=True,
        milestones=[milestone],
        gamma=0.1,
    ),
]
optim_wrapper = dict(optimizer=dict(lr=lr), clip_grad=dict(max_norm=35, norm_type=2))
default_hooks = dict(logger=dict(interval=8), checkpoint=dict(interval=max_epochs))
custom_hooks = [dict(type='FRMLoggerHook', interval=8)]
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
