# NTU RGB+D 60, cross-subject, for GCNs: 60 classes, `ntu25` layout (the
# graph of mmaction2's 'nturgb+d' layout). The S2I twin is ./ntu60_xsub.py.
# Made by: python tools/data/convert_ntu.py data/nturgbd_raw
# data/ntu/ntu60_3d.pkl --benchmark ntu60 (or mmaction2's published pkl); see
# docs/datasets.md, "Where files go".
_base_ = ['./gcn_skeleton.py']

num_classes = 60
data = dict(ann_file='data/ntu/ntu60_3d.pkl', skeleton_format='ntu25')
train_dataloader = dict(dataset=dict(**data, split='xsub_train'))
val_dataloader = dict(dataset=dict(**data, split='xsub_val'))
test_dataloader = dict(dataset=dict(**data, split='xsub_val'))
