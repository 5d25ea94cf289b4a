# retinanet_r18_fpn_rgbt_llvip-mini_demo_mwam-both.py with the modality dropout of
# retinanet_r18_fpn_rgbt_llvip-mini_demo_dropout.py (uniform over the 3 non-empty subsets, input level).
_base_ = './retinanet_r18_fpn_rgbt_llvip-mini_demo_mwam-both.py'
model = dict(modality_dropout=dict(type='ModalityDropout', p_full=None, level='input'))
