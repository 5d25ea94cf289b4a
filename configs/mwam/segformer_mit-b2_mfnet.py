# SegFormer, dual MiT-B2 encoders + MWAM, MFNet RGB-T 9 classes; the paper's one-cycle SGD schedule
# (30k iterations, batch 8). The RGB encoder starts from mmseg's ImageNet MiT-B2; the other
# encoder's 1-channel patch embedding does not match the checkpoint and starts from scratch.
_base_ = [
    '../_base_/models/segformer_mit-b2_mwam.py', '../_base_/datasets/mfnet_rgbt.py',
    '../_base_/default_runtime.py', '../_base_/schedules/onecycle_300e.py'
]
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b2_20220624-66e8bf70.pth'  # noqa
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    backbone=dict(init_cfg=dict(type='Pretrained', checkpoint=checkpoint)),
    decode_head=dict(num_classes={{_base_.num_classes}}))
