# segformer_mit-b0_sunrgbd.py without MWAM: the same model, data and schedule.
_base_ = './segformer_mit-b0_sunrgbd.py'
model = dict(mwam=None)
