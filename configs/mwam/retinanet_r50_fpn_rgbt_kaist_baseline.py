# retinanet_r50_fpn_rgbt_kaist.py without MWAM: the same model, data and schedule.
_base_ = './retinanet_r50_fpn_rgbt_kaist.py'
model = dict(mwam=None)
