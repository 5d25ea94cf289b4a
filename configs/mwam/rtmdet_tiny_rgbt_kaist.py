# mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py made multimodal with MWAM
# by tools/misc/add_mwam.py mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py --dataset kaist -o configs/mwam/rtmdet_tiny_rgbt_kaist.py
_base_ = 'mmdet::rtmdet/rtmdet_tiny_8xb32-300e_coco.py'
model = dict(
    type='DualBackboneDetector',
    detector_type='RTMDet',
    data_preprocessor=dict(
        _delete_=True,
        type='MultiModalDetDataPreprocessor',
        modalities=dict(rgb=3, thermal=1),
        mean=dict(rgb=[103.53, 116.28, 123.675], thermal=[120.0]),
        std=dict(rgb=[57.375, 57.12, 58.395], thermal=[55.0]),
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
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(type='PhotoMetricDistortion'),
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='Resize', scale=(640, 512), keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(
        type='PackDetInputs',
        meta_keys=(
            'img_id',
            'img_path',
            'thermal_path',
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
    dict(type='LoadModalityFromFile', modality='thermal', channels=1),
    dict(type='ConcatModalities', keys=['thermal']),
    dict(type='Resize', scale=(640, 512), keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True),
    dict(
        type='PackDetInputs',
        meta_keys=(
            'img_id',
            'img_path',
            'thermal_path',
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
        _delete_=True,
        type='KAISTDataset',
        data_root='data/kaist',
        ann_file='imageSets/train-all-02.txt',
        data_prefix=dict(img='images', ann='annotations_sanitized'),
        filter_cfg=dict(filter_empty_gt=True),
        pipeline=train_pipeline,
    )
)
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KAISTDataset',
        data_root='data/kaist',
        ann_file='imageSets/test-all-20.txt',
        data_prefix=dict(img='images', ann='annotations_improved'),
        test_mode=True,
        pipeline=test_pipeline,
    )
)
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='KAISTDataset',
        data_root='data/kaist',
        ann_file='imageSets/test-all-20.txt',
        data_prefix=dict(img='images', ann='annotations_improved'),
        test_mode=True,
        pipeline=test_pipeline,
    )
)
val_evaluator = dict(_delete_=True, type='KAISTMissRateMetric')
test_evaluator = dict(_delete_=True, type='KAISTMissRateMetric')
val_cfg = dict(
    _delete_=True,
    type='MissingModalityValLoop',
    table_keys=['kaist/MR_reasonable_all', 'kaist/MR_reasonable_day', 'kaist/MR_reasonable_night'],
)
test_cfg = dict(
    _delete_=True,
    type='MissingModalityTestLoop',
    table_keys=['kaist/MR_reasonable_all', 'kaist/MR_reasonable_day', 'kaist/MR_reasonable_night'],
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
    dict(type='FRMLoggerHook', interval=50),
]
visualizer = dict(vis_backends=[dict(type='LocalVisBackend'), dict(type='TensorboardVisBackend')])
runner_type = 'MWAMRunner'
# To start from mmdet's COCO RTMDet-tiny (its backbone in both encoders, its neck and head), give
# load_from=https://download.openmmlab.com/mmdetection/v3.0/rtmdet/rtmdet_tiny_8xb32-300e_coco/rtmdet_tiny_8xb32-300e_coco_20220902_112414-78e30dcc.pth
load_from = None
