# mmdet::yolox/yolox_s_8xb8-300e_coco.py made multimodal with MWAM
# by tools/misc/add_mwam.py mmdet::yolox/yolox_s_8xb8-300e_coco.py --dataset llvip-mini -o configs/mwam/yolox_s_rgbt_llvip-mini_demo.py
from mmengine import Config

_base_ = 'mmdet::yolox/yolox_s_8xb8-300e_coco.py'
# the dataset: read from its config (mmengine refuses a key defined in two _base_ files)
dataset_config = Config.fromfile('{{ fileDirname }}/../_base_/datasets/llvip-mini_rgbt.py')
model = dict(
    type='DualBackboneDetector',
    detector_type='YOLOX',
    data_preprocessor=dict(
        _delete_=True,
        type='MultiModalDetDataPreprocessor',
        modalities=dict(rgb=3, infrared=1),
        mean=dict(rgb=[0.0, 0.0, 0.0], infrared=[38.85]),
        std=dict(rgb=[1.0, 1.0, 1.0], infrared=[40.01]),
        bgr_to_rgb=False,
        pad_size_divisor=32,
        batch_augments=[
            dict(
                type='BatchSyncRandomResize',
                random_size_range=(480, 800),
                size_divisor=32,
                interval=10,
            )
        ],
    ),
    mwam=dict(type='MWAM'),
    fusion=dict(type='AddFusion'),
    bbox_head=dict(num_classes=1),
)
train_pipeline = [
    dict(type='MultiModalMosaic', img_scale=(640, 640), pad_val=dict(rgb=114.0, infrared=0)),
    dict(
        type='RandomAffine',
        scaling_ratio_range=(0.1, 2),
        border=(-320, -320),
        border_val=(114, 114, 114, 0),
    ),
    dict(
        type='MultiModalMixUp',
        img_scale=(640, 640),
        ratio_range=(0.8, 1.6),
        pad_val=dict(rgb=114.0, infrared=0),
    ),
    dict(type='MultiModalYOLOXHSVRandomAug'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='Pad', pad_to_square=True, pad_val=dict(img=(114.0, 114.0, 114.0, 0))),
    dict(type='FilterAnnotations', min_gt_bbox_wh=(1, 1), keep_empty=False),
    dict(
        type='PackDetInputs',
        meta_keys=(
            'img_id',
            'img_path',
            'infrared_path',
            'ori_shape',
            'img_shape',
            'scale_factor',
            'flip',
            'flip_direction',
        ),
    ),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='ConcatModalities', keys=['infrared']),
    dict(type='Resize', scale=(640, 640), keep_ratio=True),
    dict(type='Pad', pad_to_square=True, pad_val=dict(img=(114.0, 114.0, 114.0, 0))),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=(
            'img_id',
            'img_path',
            'infrared_path',
            'ori_shape',
            'img_shape',
            'scale_factor',
            'flip',
            'flip_direction',
            'instances',
        ),
    ),
]
train_dataloader = dict(
    dataset=dict(
        pipeline=train_pipeline,
        dataset=dict(
            dataset_config.train_dataloader.dataset,
            _delete_=True,
            pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='LoadModalityFromFile', modality='infrared', channels=1),
                dict(type='LoadAnnotations', with_bbox=True),
                dict(type='ConcatModalities', keys=['infrared']),
            ],
        ),
    )
)
val_dataloader = dict(
    dataset=dict(dataset_config.val_dataloader.dataset, _delete_=True, pipeline=test_pipeline)
)
test_dataloader = dict(
    dataset=dict(dataset_config.test_dataloader.dataset, _delete_=True, pipeline=test_pipeline)
)
val_evaluator = [
    dict(type='CocoMetric', metric='bbox', ann_file=None),
    dict(type='VOCMetric', metric='mAP', eval_mode='area'),
]
test_evaluator = [
    dict(type='CocoMetric', metric='bbox', ann_file=None),
    dict(type='VOCMetric', metric='mAP', eval_mode='area'),
]
val_cfg = dict(
    _delete_=True,
    type='MissingModalityValLoop',
    table_keys=['coco/bbox_mAP', 'coco/bbox_mAP_50', 'pascal_voc/mAP'],
)
test_cfg = dict(
    _delete_=True,
    type='MissingModalityTestLoop',
    table_keys=['coco/bbox_mAP', 'coco/bbox_mAP_50', 'pascal_voc/mAP'],
)
custom_imports = dict(imports=['mmwam'], allow_failed_imports=False)
custom_hooks = [
    dict(
        type='YOLOXModeSwitchHook',
        num_last_epochs=15,
        priority=48,
        _scope_='mmdet',
        skip_type_keys=['MultiModalMosaic', 'RandomAffine', 'MultiModalMixUp'],
    ),
    dict(type='SyncNormHook', priority=48, _scope_='mmdet'),
    dict(
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0001,
        update_buffers=True,
        priority=49,
        _scope_='mmdet',
    ),
    dict(type='FRMLoggerHook', interval=50),
]
visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
runner_type = 'MWAMRunner'
del Config, dataset_config  # not config fields

# CPU-sized, as the RetinaNet llvip-mini demo: llvip_mini's 30 training pairs, 16 epochs, both encoders from
# scratch (no pretrained checkpoint), no multi-scale batch resizing; a smoke run. The recipe's
# pipelines (mosaic and mixup included) at 320x320 instead of its 640x640: every size in them halved.


def _halve_sizes(pipeline):
    for t in pipeline:
        for k in ('img_scale', 'scale', 'crop_size', 'size', 'border'):
            if isinstance(t.get(k), tuple):
                t[k] = tuple(s // 2 for s in t[k])


model['data_preprocessor']['batch_augments'] = None
model['backbone'] = dict(init_cfg=None)
max_epochs = 16
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs, dynamic_intervals=None)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=False, begin=0, end=50),
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-5,
        begin=0,
        end=max_epochs,
        T_max=max_epochs,
        by_epoch=True,
        convert_to_iter_based=True,
    ),
]
train_dataloader.update(batch_size=4, num_workers=2, persistent_workers=False)
default_hooks = dict(logger=dict(interval=8), checkpoint=dict(interval=max_epochs))
custom_hooks[-1].update(interval=8)  # FRMLoggerHook, as the logger
env_cfg = dict(dist_cfg=dict(backend='gloo'))
_halve_sizes(train_pipeline)
_halve_sizes(test_pipeline)
custom_hooks[0].update(
    num_last_epochs=2
)  # YOLOXModeSwitchHook: the last 2 epochs without mosaic, with L1
