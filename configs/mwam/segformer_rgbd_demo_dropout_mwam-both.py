# segformer_rgbd_demo_mwam-both.py with the modality dropout of segformer_rgbd_demo_dropout_baseline.py.
_base_ = './segformer_rgbd_demo_mwam-both.py'
model = dict(modality_dropout=dict(type='ModalityDropout', p_full=None, level='input'))
