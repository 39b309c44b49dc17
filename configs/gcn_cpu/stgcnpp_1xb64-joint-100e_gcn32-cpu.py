# STGCN++ at the CPU scale of the S2I recipe: trained from scratch on the
# data of ../s2i_mae_cpu/vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py (NW-UCLA
# cross-view, 32 frames, same augmentation, batch 64, 100 epochs), joint
# stream. The graph is the dataset's skeleton format (`kinect20`).
_base_ = [
    '../_base_/models/stgcnpp.py',
    './_base_/gcn32_cpu.py',
]
model = dict(
    backbone=dict(graph_cfg=dict(layout=_base_.data.skeleton_format)),
    cls_head=dict(num_classes=_base_.num_classes))
