# mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py made multimodal with MWAM
# by tools/misc/add_mwam.py mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py --dataset llvip -o configs/mwam/rtmdet_tiny_rgbt_llvip.py
from mmengine import Config

_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
# the dataset: read from its config (mmengine refuses a key defined in two _base_ files)
dataset_config = Config.fromfile('{{ fileDirname }}/../_base_/datasets/llvip_rgbt.py')
model = dict(
    type='DualBackboneDetector',
    detector_type='RTMDet',
    data_preprocessor=dict(
        _delete_=True,
        type='MultiModalDetDataPreprocessor',
        modalities=dict(rgb=3, infrared=1),
        mean=dict(rgb=[103.53, 116.28, 123.675], infrared=[38.85]),
        std=dict(rgb=[57.375, 57.12, 58.395], infrared=[40.01]),
        bgr_to_rgb=False,
        batch_augments=None,
        pad_size_divisor=32,
    ),
    mwam=dict(type='MWAM'),
    fusion=dict(type='AddFusion'),
    bbox_head=dict(num_classes=1),
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='ConcatModalities', keys=['infrared']),
    dict(
        type='MultiModalCachedMosaic',
        img_scale=(640, 640),
        pad_val=dict(rgb=114.0, infrared=0),
        max_cached_images=20,
        random_pop=False,
    ),
    dict(type='RandomResize', scale=(1280, 1280), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=(640, 640)),
    dict(type='MultiModalYOLOXHSVRandomAug'),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=(640, 640), pad_val=dict(img=(114, 114, 114, 0))),
    dict(
        type='MultiModalCachedMixUp',
        img_scale=(640, 640),
        ratio_range=(1.0, 1.0),
        max_cached_images=10,
        random_pop=False,
        pad_val=dict(rgb=(114, 114, 114), infrared=0),
        prob=0.5,
    ),
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
train_pipeline_stage2 = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadModalityFromFile', modality='infrared', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='YOLOXHSVRandomAug'),
    dict(type='ConcatModalities', keys=['infrared']),
    dict(type='RandomResize', scale=(640, 640), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=(640, 640)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=(640, 640), pad_val=dict(img=(114, 114, 114, 0))),
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
    dict(type='Pad', size=(640, 640), pad_val=dict(img=(114, 114, 114, 0))),
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
    dataset=dict(dataset_config.train_dataloader.dataset, _delete_=True, pipeline=train_pipeline)
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
        type='EMAHook',
        ema_type='ExpMomentumEMA',
        momentum=0.0002,
        update_buffers=True,
        priority=49,
        _scope_='mmdet',
    ),
    dict(
        type='PipelineSwitchHook',
        switch_epoch=280,
        switch_pipeline=train_pipeline_stage2,
        _scope_='mmdet',
    ),
    dict(type='FRMLoggerHook', interval=50),
]
visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
runner_type = 'MWAMRunner'
del Config, dataset_config  # not config fields
