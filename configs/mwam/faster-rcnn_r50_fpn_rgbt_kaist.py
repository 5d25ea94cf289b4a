# Faster R-CNN R50-FPN, dual encoders (RGB + thermal) + MWAM, KAIST: trained on the sanitized annotations,
# tested on the improved test annotations with the devkit's MR^-2 (docs/en/user_guides/kaist.md), mmdet's 1x schedule.
_base_ = [
    '../_base_/models/faster-rcnn_r50_fpn_mwam.py',
    '../_base_/datasets/kaist_rgbt.py',
    '../_base_/schedules/det_1x.py',
    '../_base_/det_runtime.py',
]
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(frozen_stages=-1),
    roi_head=dict(bbox_head=dict(num_classes={{_base_.num_classes}})),
)
# Both encoders start from ImageNet (the thermal stem adapted). To start from mmdet's COCO Faster R-CNN
# (its ResNet-50 in both encoders, its FPN, RPN and RoI head), give
# load_from=https://download.openmmlab.com/mmdetection/v2.0/faster_rcnn/faster_rcnn_r50_fpn_1x_coco/faster_rcnn_r50_fpn_1x_coco_20200130-047c8118.pth
load_from = None
