# segformer_rgbd.py without MWAM: the same model, data and schedule.
_base_ = './segformer_rgbd.py'
model = dict(mwam=None)
