# segformer_mit-b2_nyudv2.py without MWAM: the same model, data and schedule.
_base_ = './segformer_mit-b2_nyudv2.py'
model = dict(mwam=None)
