# segformer_rgbd_demo.py with the paper's text values for K (lam=6, gamma=0.7) instead of the official
# code's (lam=10, gamma=1): every encoder's gradient is scaled by about 0.64 at balance.
_base_ = './segformer_rgbd_demo.py'
model = dict(mwam=dict(lam=6.0, gamma=0.7))
