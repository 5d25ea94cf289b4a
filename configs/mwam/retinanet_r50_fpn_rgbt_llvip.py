# RetinaNet R50-FPN, dual encoders (RGB + infrared) + MWAM, LLVIP, 1x schedule.
_base_ = [
    '../_base_/models/retinanet_r50_fpn_rgbt.py', '../_base_/datasets/llvip_rgbt.py',
    '../_base_/schedules/det_1x.py', '../_base_/det_runtime.py'
]
model = dict(detector=dict(bbox_head=dict(num_classes=1)))
optim_wrapper = dict(optimizer=dict(lr=0.01))
