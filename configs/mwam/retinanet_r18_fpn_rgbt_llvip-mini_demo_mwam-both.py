# retinanet_r18_fpn_rgbt_llvip-mini_demo.py with MWAM's gradient + loss modes: a per-modality copy of the
# RetinaNet head on that modality's encoder features through the shared FPN (training only), its loss
# weighted by the modality's K, and K scaling the encoders' gradients.
_base_ = './retinanet_r18_fpn_rgbt_llvip-mini_demo.py'
model = dict(mwam=dict(mode='both'), modality_heads=dict())
