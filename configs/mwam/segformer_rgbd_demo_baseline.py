# segformer_rgbd_demo.py without MWAM: the same model, data and schedule.
_base_ = './segformer_rgbd_demo.py'
model = dict(mwam=None)
