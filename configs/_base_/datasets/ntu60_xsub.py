# NTU RGB+D 60, cross-subject: 60 classes, `ntu25` layout.
# Made by: python tools/data/convert_ntu.py data/nturgbd_raw
# data/ntu/ntu60_3d.pkl --benchmark ntu60 (or mmaction2's published pkl); see
# docs/datasets.md, "Where files go".
_base_ = ['./s2i_skeleton.py']

num_classes = 60
data = dict(ann_file='data/ntu/ntu60_3d.pkl', skeleton_format='ntu25')
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = val_dataloader
