# retinanet_r18_fpn_rgbt_llvip-mini_demo.py (MWAM) with modality dropout (uniform over the 3 non-empty
# subsets, input level; MWAM's FRM on the undropped inputs).
_base_ = './retinanet_r18_fpn_rgbt_llvip-mini_demo.py'
model = dict(modality_dropout=dict(type='ModalityDropout', p_full=None, level='input'))
