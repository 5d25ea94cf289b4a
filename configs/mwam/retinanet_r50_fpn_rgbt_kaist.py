# RetinaNet R50-FPN, dual encoders (RGB + thermal) + MWAM, KAIST: trained on the sanitized annotations,
# tested on the improved test annotations with the devkit's MR^-2 (docs/en/user_guides/kaist.md), mmdet's 1x schedule.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_mwam.py',
    '../_base_/datasets/kaist_rgbt.py',
    '../_base_/schedules/det_1x.py',
    '../_base_/det_runtime.py',
]
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(frozen_stages=-1),
    bbox_head=dict(num_classes={{_base_.num_classes}}),
)
optim_wrapper = dict(optimizer=dict(lr=0.01))
# Both encoders start from ImageNet (the thermal stem adapted). To start from mmdet's COCO RetinaNet (its
# ResNet-50 in both encoders, its FPN and head), give
# load_from=https://download.openmmlab.com/mmdetection/v2.0/retinanet/retinanet_r50_fpn_1x_coco/retinanet_r50_fpn_1x_coco_20200130-c2398f9e.pth
load_from = None
