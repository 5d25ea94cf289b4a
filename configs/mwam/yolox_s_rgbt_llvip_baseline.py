# yolox_s_rgbt_llvip.py without MWAM: the same model, data and schedule.
_base_ = './yolox_s_rgbt_llvip.py'
model = dict(mwam=None)
