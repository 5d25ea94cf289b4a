# segformer_rgbd_demo.py (MWAM, gradient mode) with the modality dropout of segformer_rgbd_demo_dropout_baseline.py;
# MWAM's FRM is computed on the undropped inputs, as in the official code.
_base_ = './segformer_rgbd_demo.py'
model = dict(modality_dropout=dict(type='ModalityDropout', p_full=None, level='input'))
