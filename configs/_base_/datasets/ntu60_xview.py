# NTU RGB+D 60, cross-view: 60 classes, `ntu25` layout.
# Made by tools/data/ (see docs/converters.md) or mmaction2's published pkl.
_base_ = ['./s2i_skeleton.py']

num_classes = 60
data = dict(ann_file='data/ntu/ntu60_3d.pkl', skeleton_format='ntu25')
train_dataloader = dict(dataset=dict(**data, split='xview_train'))
val_dataloader = dict(dataset=dict(**data, split='xview_val'))
test_dataloader = val_dataloader
