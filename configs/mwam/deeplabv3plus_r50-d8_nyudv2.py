# DeepLabV3+ R50-D8, dual ResNet-50 encoders + MWAM, NYUDv2 40 classes, the paper's one-cycle SGD
# schedule (30k iterations, batch 8).
_base_ = [
    '../_base_/models/deeplabv3plus_r50-d8_mwam.py',
    '../_base_/datasets/nyudv2_rgbd.py',
    '../_base_/default_runtime.py',
    '../_base_/schedules/onecycle_300e.py',
]
model = dict(
    data_preprocessor={{_base_.multimodal_preprocessor}},
    decode_head=dict(num_classes={{_base_.num_classes}}),
    auxiliary_head=dict(num_classes={{_base_.num_classes}}),
)
