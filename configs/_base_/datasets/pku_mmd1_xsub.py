# PKU-MMD phase I, cross-subject: 51 classes, `ntu25` layout.
# Made by: python tools/data/convert_pku_mmd.py data/pku_raw/v1
# data/pku_mmd/pku_mmd1.pkl; see docs/datasets.md, "Where files go".
_base_ = ['./s2i_skeleton.py']

num_classes = 51
data = dict(ann_file='data/pku_mmd/pku_mmd1.pkl', skeleton_format='ntu25')
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
