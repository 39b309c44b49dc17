# NW-UCLA, cross-view (train views 1, 2; test view 3): 10 classes, `kinect20` layout.
# Made by: python tools/data/convert_nw_ucla.py data/NW-UCLA/all_sqe
# data/nw_ucla/nw_ucla.pkl; see docs/datasets.md, "Where files go".
_base_ = ['./s2i_skeleton.py']

num_classes = 10
data = dict(ann_file='data/nw_ucla/nw_ucla.pkl', skeleton_format='kinect20')
train_dataloader = dict(dataset=dict(**data, split='xview_train'))
val_dataloader = dict(dataset=dict(**data, split='xview_val'))
test_dataloader = val_dataloader
