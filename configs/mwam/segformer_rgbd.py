# SegFormer with dual MiT-B0 encoders + MWAM, NYUDv2 40 classes, 480x640, batch 8, the paper's schedule.
# Both encoders start from mmseg's ImageNet MiT-B0 (as ESANet does for depth); the depth encoder's first
# patch embedding (1 channel) gets the RGB filters averaged over the colour channels. Per modality, another
# checkpoint or none: model = dict(encoder_init=dict(depth='path/to/depth.pth' or 'scratch')).
_base_ = [
    '../_base_/models/segformer_mit-b0_mwam.py',
    '../_base_/datasets/nyudv2_rgbd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/onecycle_300e.py',
]
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth'  # noqa
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    decode_head=dict(num_classes={{_base_.num_classes}}),
)
