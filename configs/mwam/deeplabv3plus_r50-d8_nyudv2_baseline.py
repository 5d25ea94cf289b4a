# deeplabv3plus_r50-d8_nyudv2.py without MWAM: the same model, data and schedule.
_base_ = './deeplabv3plus_r50-d8_nyudv2.py'
model = dict(mwam=None)
