# rtmdet_tiny_rgbt_kaist.py without MWAM: the same model, data and schedule.
_base_ = './rtmdet_tiny_rgbt_kaist.py'
model = dict(mwam=None)
