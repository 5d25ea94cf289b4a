# segformer_rgbd_demo.py with the robust FRM options (not in the paper): a random 8x8-grid offset per
# step (JPEG's own grid leaves exact zeros in the high coefficients) and K smoothed over steps (momentum 0.9).
_base_ = './segformer_rgbd_demo.py'
model = dict(mwam=dict(grid_offset=True, k_momentum=0.9))
