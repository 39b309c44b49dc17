# STGCN++ (mmaction2's stgcnpp configs): mmaction2's STGCN with adaptive
# ('init') adjacency, residual GCN units and multi-scale temporal
# convolutions. The recognizer, head, loss and data preprocessor are
# mmaction2's (`_scope_='mmaction'`: its defaults resolve as in mmaction2);
# the backbone is s2i_mm's STGCN (`_scope_='s2i_mm'`), which is mmaction2's
# with `graph_cfg.layout` also naming an s2i_mm skeleton format (a name,
# a plugin's, a spec file). Children set the layout (the dataset's format)
# and num_classes.
model = dict(
    _scope_='mmaction',
    type='RecognizerGCN',
    backbone=dict(
        _scope_='s2i_mm',
        type='STGCN',
        gcn_adaptive='init',
        gcn_with_res=True,
        tcn_type='mstcn',
        graph_cfg=dict(layout='ntu25', mode='spatial')),
    cls_head=dict(type='GCNHead', num_classes=60, in_channels=256))
