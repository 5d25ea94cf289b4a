# segformer_rgbd_demo_mwam-loss.py with MWAM's gradient and loss modes together (the paper's best).
_base_ = './segformer_rgbd_demo_mwam-loss.py'
model = dict(mwam=dict(mode='both'))
