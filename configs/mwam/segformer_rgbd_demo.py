# The embedded default: a tiny dual-MiT SegFormer + MWAM on the synthetic demo set (CPU, minutes).
_base_ = [
    '../_base_/models/segformer_mit-b0_mwam.py',
    '../_base_/datasets/demo_rgbd.py',
    '../_base_/default_runtime.py',
]
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(embed_dims=16, num_layers=[1, 1, 1, 1], drop_path_rate=0.0),
    decode_head=dict(
        in_channels=[16, 32, 80, 128],
        channels=64,
        num_classes={{_base_.num_classes}},
        norm_cfg=norm_cfg,
    ),
)
max_iters = 1000
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
)
param_scheduler = [dict(type='OneCycleLR', eta_max=0.01, by_epoch=False, begin=0, end=max_iters)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=20, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters // 2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
custom_hooks = [dict(type='FRMLoggerHook', interval=20)]
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
randomness = dict(seed=0)
