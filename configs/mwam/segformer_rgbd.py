# SegFormer with dual MiT-B0 encoders + MWAM, NYUDv2 40 classes, 480x640, batch 8, the paper's schedule.
# The RGB encoder starts from mmseg's ImageNet MiT-B0; the depth encoder's patch embedding (1 channel)
# does not match the checkpoint and starts from scratch (load_checkpoint reports the size mismatch).
_base_ = [
    '../_base_/models/segformer_mit-b0_mwam.py', '../_base_/datasets/nyudv2_rgbd.py',
    '../_base_/default_runtime.py', '../_base_/schedules/onecycle_300e.py'
]
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b0_20220624-7e0fe6dd.pth'  # noqa
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    decode_head=dict(num_classes={{_base_.num_classes}}))
