# A CPU-sized Faster R-CNN (ResNet-18 encoders from scratch, 320x256) on data/llvip_mini:
# 30 training pairs, so a smoke experiment, not a benchmark.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_mwam.py',
    '../_base_/datasets/llvip-mini_rgbt.py',
    '../_base_/schedules/det_1x.py',
    '../_base_/det_runtime.py',
]
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(depth=18, frozen_stages=-1, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512]),
    # mmcv's CPU RoIAlign took 70% of a CPU step: 2 points a bin and fewer RoIs (CPU only)
    roi_head=dict(
        bbox_head=dict(num_classes={{_base_.num_classes}}),
        bbox_roi_extractor=dict(roi_layer=dict(sampling_ratio=2)),
    ),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=300), rcnn=dict(sampler=dict(num=128))
    ),
    test_cfg=dict(rpn=dict(nms_pre=500, max_per_img=300)),
)
max_epochs = 24
lr = 0.02
milestone = 18
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
