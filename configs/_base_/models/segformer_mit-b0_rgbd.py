# Dual MiT-B0 encoders (RGB and depth), MWAM, per-level sum fusion, then mmseg's SegFormer head.
_base_ = 'mmseg::_base_/models/segformer_mit-b0.py'
modalities = dict(rgb=3, depth=1)
data_preprocessor = dict(
    _delete_=True,
    type='MultiModalSegDataPreProcessor',
    modalities=modalities,
    # depth in metres (LoadModalityFromFile scale); approximate NYUDv2 statistics
    mean=dict(rgb=[123.675, 116.28, 103.53], depth=[2.84]),
    std=dict(rgb=[58.395, 57.12, 57.375], depth=[1.42]),
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='MultiModalEncoderDecoder',
    modalities=modalities,
    data_preprocessor=data_preprocessor,
    mwam=dict(type='MWAM'),
    fusion=dict(type='AddFusion'))
