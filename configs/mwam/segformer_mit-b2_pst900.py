# segformer_mit-b0_pst900.py with dual MiT-B2 encoders (as mmseg's segformer_mit-b2 configs), both from mmseg's
# ImageNet MiT-B2 (the 1-channel stem adapted).
_base_ = './segformer_mit-b0_pst900.py'
checkpoint = 'https://download.openmmlab.com/mmsegmentation/v0.5/pretrain/segformer/mit_b2_20220624-66e8bf70.pth'  # noqa
model = dict(
    backbone=dict(
        init_cfg=dict(type='Pretrained', checkpoint=checkpoint),
        embed_dims=64,
        num_heads=[1, 2, 5, 8],
        num_layers=[3, 4, 6, 3],
    ),
    decode_head=dict(in_channels=[64, 128, 320, 512]),
)
