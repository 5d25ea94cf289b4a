# segformer_rgbd_demo_baseline.py with OGM-GE (Peng et al., CVPR 2022) instead of MWAM: the auxiliary FCN
# head per modality of the MWAM loss-mode config (unweighted in this config) gives each modality's score (mean softmax
# probability of the ground-truth class); the dominant encoder's gradients are multiplied by
# 1 - tanh(alpha * rho), with Gaussian noise (GE). The official code's alpha = 0.1.
_base_ = './segformer_rgbd_demo_mwam-loss.py'
model = dict(mwam=None, balancer=dict(type='OGMGE', alpha=0.1))
