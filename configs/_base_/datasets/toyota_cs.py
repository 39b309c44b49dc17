# Toyota Smarthome, cross-subject: 31 classes, `lcrnet13` layout.
# Made by: python tools/data/convert_toyota.py data/smarthome/skeletonv12
# data/toyota/toyota.pkl; see docs/datasets.md, "Where files go".
_base_ = ['./s2i_skeleton.py']

num_classes = 31
data = dict(ann_file='data/toyota/toyota.pkl', skeleton_format='lcrnet13')
train_dataloader = dict(dataset=dict(**data, split='cs_train'))
val_dataloader = dict(dataset=dict(**data, split='cs_val'))
test_dataloader = val_dataloader
