# mmdet's Faster R-CNN R50-FPN inside DualBackboneDetector: one ResNet-50 per modality, MWAM, per-level
# sum fusion, then mmdet's own neck and heads. The modalities come with the dataset config:
# model = dict(data_preprocessor={{_base_.multimodal_preprocessor}}) in the leaf config.
_base_ = 'mmdet::_base_/models/faster-rcnn_r50_fpn.py'
model = dict(
    type='DualBackboneDetector',
    detector_type='FasterRCNN',
    mwam=dict(type='MWAM'),
    fusion=dict(type='AddFusion'),
)
