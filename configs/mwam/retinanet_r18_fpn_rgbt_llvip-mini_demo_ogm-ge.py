# retinanet_r18_fpn_rgbt_llvip-mini_demo_baseline.py with OGM-GE: per-modality copies of the RetinaNet head
# (unweighted) give each modality's score, exp(-its loss); the official code's alpha = 0.1.
_base_ = './retinanet_r18_fpn_rgbt_llvip-mini_demo.py'
model = dict(mwam=None, balancer=dict(type='OGMGE', alpha=0.1), modality_heads=dict())
