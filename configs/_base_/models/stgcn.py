# ST-GCN (mmaction2's stgcn configs: the ST-GCN paper's spatial
# partitioning, 'stgcn_spatial'). Scopes as in ./stgcnpp.py: mmaction2's
# recognizer, head, loss and data preprocessor; s2i_mm's STGCN, whose
# `graph_cfg.layout` may name any s2i_mm skeleton format. Children set the
# layout (the dataset's format) and num_classes.
model = dict(
    _scope_='mmaction',
    type='RecognizerGCN',
    backbone=dict(
        _scope_='s2i_mm',
        type='STGCN',
        graph_cfg=dict(layout='ntu25', mode='stgcn_spatial')),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256))
