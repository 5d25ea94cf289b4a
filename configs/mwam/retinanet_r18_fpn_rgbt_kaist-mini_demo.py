# A CPU-sized RetinaNet (ResNet-18 encoders from scratch, 160x128) on the KAIST fixture of the tests
# (tests/data/kaist: 4 training and 5 test images in the released layout): it runs the whole KAIST path
# (training, the missing-modality MR^-2 table, the submission files) in seconds; it learns nothing.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_mwam.py',
    '../_base_/datasets/kaist-mini_rgbt.py',
    '../_base_/schedules/det_1x.py',
    '../_base_/det_runtime.py',
]
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(depth=18, frozen_stages=-1, init_cfg=None),
    neck=dict(in_channels=[64, 128, 256, 512]),
    # an untrained model scores low: keep its boxes so that the table has something to evaluate
    bbox_head=dict(num_classes={{_base_.num_classes}}),
    test_cfg=dict(score_thr=0.0, nms_pre=200, max_per_img=20),
)
max_epochs = 1
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
param_scheduler = []
optim_wrapper = dict(optimizer=dict(lr=0.01), clip_grad=dict(max_norm=35, norm_type=2))
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=max_epochs))
custom_hooks = [dict(type='FRMLoggerHook', interval=1)]
visualizer = dict(vis_backends=[dict(type='LocalVisBackend')])
env_cfg = dict(dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
