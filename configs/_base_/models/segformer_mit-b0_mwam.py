# mmseg's SegFormer MiT-B0 as a MultiModalEncoderDecoder: one MiT-B0 per modality, MWAM, per-level sum
# fusion, then mmseg's SegFormer head. The modalities (and their statistics) come with the dataset
# config: model = dict(data_preprocessor={{_base_.multimodal_preprocessor}}) in the leaf config.
_base_ = 'mmseg::_base_/models/segformer_mit-b0.py'
model = dict(type='MultiModalEncoderDecoder', mwam=dict(type='MWAM'), fusion=dict(type='AddFusion'))
