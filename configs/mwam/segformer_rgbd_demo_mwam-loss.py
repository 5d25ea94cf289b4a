# segformer_rgbd_demo.py with MWAM's loss mode: an auxiliary FCN head per modality on its encoder's last
# level (training only), its loss weighted by that modality's K; no gradient scaling.
_base_ = './segformer_rgbd_demo.py'
model = dict(
    mwam=dict(mode='loss'),
    modality_heads=dict(
        type='FCNHead',
        in_channels=128,
        in_index=3,
        channels=32,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.0,
        num_classes={{_base_.num_classes}},
        norm_cfg=dict(type='BN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
    ),
)
