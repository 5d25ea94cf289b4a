# RetinaNet R50-FPN, dual encoders (RGB + infrared) + MWAM, LLVIP, 1x schedule.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_mwam.py',
    '../_base_/datasets/llvip_rgbt.py',
    '../_base_/schedules/det_1x.py',
    '../_base_/det_runtime.py',
]
# Both encoders start from torchvision's ImageNet ResNet-50 (the infrared stem: its RGB filters averaged
# over the colour channels; model.encoder_init chooses per modality). frozen_stages=-1: every stage of both
# encoders trains (mmdet freezes the stem and stage 1 of an RGB ResNet; the infrared stem must adapt).
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(frozen_stages=-1),
    bbox_head=dict(num_classes={{_base_.num_classes}}),
)
optim_wrapper = dict(optimizer=dict(lr=0.01))
