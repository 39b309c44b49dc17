# PKU-MMD phase II, cross-subject: 41 classes, `ntu25` layout.
# Made by: python tools/data/convert_pku_mmd.py data/pku_raw/v2
# data/pku_mmd/pku_mmd2.pkl --split-file
# xsub=data/pku_raw/v2/cross_subject_v2.txt --split-file
# xview=data/pku_raw/v2/cross_view_v2.txt; see docs/datasets.md, "Where files
# go".
_base_ = ['./s2i_skeleton.py']

num_classes = 41
data = dict(ann_file='data/pku_mmd/pku_mmd2.pkl', skeleton_format='ntu25')
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
