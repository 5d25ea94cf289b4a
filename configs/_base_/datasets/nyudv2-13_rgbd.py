# NYUDv2 13 classes (Couprie et al.): the 40-class set's files with Label13/ as labels.
_base_ = './nyudv2_rgbd.py'
dataset_type = 'NYUDv2Dataset13'
num_classes = 13
train_dataloader = dict(dataset=dict(type=dataset_type))
val_dataloader = dict(dataset=dict(type=dataset_type))
test_dataloader = val_dataloader
