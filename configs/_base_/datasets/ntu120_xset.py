# NTU RGB+D 120, cross-setup: 120 classes, `ntu25` layout.
# Made by: python tools/data/convert_ntu.py data/nturgbd_raw
# data/ntu/ntu120_3d.pkl --benchmark ntu120 (or mmaction2's published pkl); see
# docs/datasets.md, "Where files go".
_base_ = ['./s2i_skeleton.py']

num_classes = 120
data = dict(ann_file='data/ntu/ntu120_3d.pkl', skeleton_format='ntu25')
train_dataloader = dict(dataset=dict(**data, split='xset_train'))
val_dataloader = dict(dataset=dict(**data, split='xset_val'))
test_dataloader = val_dataloader
