# retinanet_r18_fpn_rgbt_llvip-mini_demo.py without MWAM.
_base_ = './retinanet_r18_fpn_rgbt_llvip-mini_demo.py'
model = dict(mwam=None)
