# ST-GCN at the CPU scale of the S2I recipe (see
# ./stgcnpp_1xb64-joint-100e_gcn32-cpu.py), joint stream; the graph is the
# dataset's skeleton format with ST-GCN's spatial partitioning.
_base_ = [
    '../_base_/models/stgcn.py',
    './_base_/gcn32_cpu.py',
]
model = dict(
    backbone=dict(graph_cfg=dict(layout=_base_.data.skeleton_format)),
    cls_head=dict(num_classes=_base_.num_classes))
