# mmdet's RetinaNet R50-FPN inside DualBackboneDetector: one ResNet-50 per modality, MWAM, per-level
# sum fusion, then mmdet's own neck and head. The modalities come with the dataset config.
_base_ = 'mmdet::_base_/models/retinanet_r50_fpn.py'
model = dict(
    type='DualBackboneDetector',
    detector_type='RetinaNet',
    mwam=dict(type='MWAM'),
    fusion=dict(type='AddFusion'),
)
