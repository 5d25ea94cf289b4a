# The paper's NYUDv2 schedule: SGD, lr 1e-2, one-cycle, 300 epochs (NYUDv2 train: 795 images, batch 8).
iters_per_epoch = 100
max_epochs = 300
optim_wrapper = dict(
    type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=1e-4)
)
param_scheduler = [
    dict(type='OneCycleLR', eta_max=0.01, by_epoch=False, begin=0, end=iters_per_epoch * max_epochs)
]
train_cfg = dict(
    type='IterBasedTrainLoop',
    max_iters=iters_per_epoch * max_epochs,
    val_interval=iters_per_epoch * 10,
)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(
        type='CheckpointHook',
        by_epoch=False,
        interval=iters_per_epoch * 10,
        max_keep_ckpts=3,
        save_best='mIoU',
    ),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
)
