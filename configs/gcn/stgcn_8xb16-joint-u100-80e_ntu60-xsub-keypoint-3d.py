# ST-GCN on NTU-60 cross-subject, joint stream: mmaction2's
# stgcn_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py on SkeletonDataset
# (data/ntu/ntu60_3d.pkl, `ntu25` layout). The graph is the dataset's
# format, with ST-GCN's spatial partitioning.
_base_ = [
    '../_base_/models/stgcn.py',
    '../_base_/datasets/gcn_ntu60_xsub.py',
    '../_base_/schedules/gcn_sgd_80e.py',
    '../_base_/default_runtime.py',
]
model = dict(
    backbone=dict(graph_cfg=dict(layout=_base_.data.skeleton_format)),
    cls_head=dict(num_classes=_base_.num_classes))
default_hooks = dict(checkpoint=dict(interval=5), logger=dict(interval=100))
