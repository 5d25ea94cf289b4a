# rtmdet_tiny_rgbt_llvip.py without MWAM: the same model, data and schedule.
_base_ = './rtmdet_tiny_rgbt_llvip.py'
model = dict(mwam=None)
