# Three-stream linear probe on one model: the encoders pretrained by
# ../mae_vit-base-p16_8xb64{,-motion,-bone}-400e_nw-ucla-xview.py, frozen, fused by
# learnable late fusion (../../_base_/models/vit-base-p16_s2i_linear_3stream.py).
_base_ = [
    '../../_base_/models/vit-base-p16_s2i_linear_3stream.py',
    '../../_base_/datasets/nw_ucla_xview.py',
    '../../_base_/schedules/linear_probe_90e.py',
    '../../_base_/default_runtime.py',
]
modality = ('j', 'm', 'b')
pretrained = 'work_dirs/mae_vit-base-p16_8xb64{}-400e_nw-ucla-xview/epoch_400.pth'
model = dict(
    streams={
        stream: dict(backbone=dict(init_cfg=dict(checkpoint=pretrained.format(tag))))
        for stream, tag in (('j', ''), ('m', '-motion'), ('b', '-bone'))
    },
    head=dict(num_classes={{_base_.num_classes}}))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.jmb.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.jmb.test))
test_dataloader = val_dataloader
