# retinanet_r18_fpn_rgbt_llvip-mini_demo_baseline.py with modality dropout (uniform over the 3 non-empty
# subsets, input level; see segformer_rgbd_demo_dropout_baseline.py).
_base_ = './retinanet_r18_fpn_rgbt_llvip-mini_demo_baseline.py'
model = dict(modality_dropout=dict(type='ModalityDropout', p_full=None, level='input'))
