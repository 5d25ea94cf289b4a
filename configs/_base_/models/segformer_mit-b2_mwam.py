# Dual MiT-B2 (as mmseg's segformer_mit-b2 configs) + MWAM + sum fusion + SegFormer head.
_base_ = './segformer_mit-b0_mwam.py'
model = dict(
    backbone=dict(embed_dims=64, num_heads=[1, 2, 5, 8], num_layers=[3, 4, 6, 3]),
    decode_head=dict(in_channels=[64, 128, 320, 512]))
