# mmseg's DeepLabV3+ R50-D8 as a MultiModalEncoderDecoder: one ResNet-50-V1c per modality (both start
# from the ImageNet checkpoint in model.pretrained; the depth stem's filters are the RGB ones averaged
# over the colour channels, see MultiModalBackbone's encoder_init), MWAM, per-level sum fusion, then
# mmseg's ASPP + separable-conv head and FCN aux head.
_base_ = 'mmseg::_base_/models/deeplabv3plus_r50-d8.py'
model = dict(type='MultiModalEncoderDecoder', mwam=dict(type='MWAM'), fusion=dict(type='AddFusion'))
