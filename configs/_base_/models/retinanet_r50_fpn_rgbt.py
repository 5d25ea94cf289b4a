# mmdet's retinanet R50-FPN as the inner detector of DualBackboneDetector: one ResNet-50 per modality
# (RGB and infrared), MWAM, per-level sum fusion, then mmdet's own neck and heads.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'
modalities = dict(rgb=3, infrared=1)
model = dict(
    _delete_=True,
    type='DualBackboneDetector',
    modalities=modalities,
    detector={{_base_.model}},
    mwam=dict(type='MWAM'),
    fusion=dict(type='AddFusion'),
    data_preprocessor=dict(
        type='MultiModalDetDataPreprocessor',
        modalities=modalities,
        # infrared: 8-bit LWIR, statistics of the llvip_mini train images
        mean=dict(rgb=[123.675, 116.28, 103.53], infrared=[38.85]),
        std=dict(rgb=[58.395, 57.12, 57.375], infrared=[40.01]),
        bgr_to_rgb=True,
        pad_size_divisor=32))
