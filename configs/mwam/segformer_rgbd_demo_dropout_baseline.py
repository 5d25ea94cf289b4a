# segformer_rgbd_demo_baseline.py with modality dropout as the official MWAM code trains: every sample
# keeps one of the 3 non-empty modality subsets, uniformly (the full set 1/3); dropped modalities are zeroed
# in the normalized input, as the missing-modality evaluation zeroes them.
_base_ = './segformer_rgbd_demo_baseline.py'
model = dict(modality_dropout=dict(type='ModalityDropout', p_full=None, level='input'))
