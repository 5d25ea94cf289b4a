# SegFormer, dual MiT-B0 encoders + MWAM, SUN RGB-D 37 classes; the paper's one-cycle SGD schedule
# (30k iterations, batch 8). Both encoders start from mmseg's ImageNet MiT-B0 (the
# 1-channel patch embedding: the RGB filters averaged over the colour channels; see segformer_rgbd.py).
_base_ = [
    '../_base_/models/segformer_mit-b0_mwam.py',
    '../_base_/datasets/sunrgbd_rgbd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/onecycle_300e.py',
]
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth'  # noqa
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    decode_head=dict(num_classes={{_base_.num_classes}}),
)
