# segformer_mit-b2_mfnet.py without MWAM: the same model, data and schedule.
_base_ = './segformer_mit-b2_mfnet.py'
model = dict(mwam=None)
