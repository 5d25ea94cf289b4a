# faster-rcnn_r50_fpn_rgbt_llvip.py without MWAM: the same model, data and schedule.
_base_ = './faster-rcnn_r50_fpn_rgbt_llvip.py'
model = dict(mwam=None)
