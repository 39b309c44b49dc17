# The bone stream of ./vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py, on the
# encoder pretrained by ./mae_vit-w128-p8_1xb64-bone-300e_s2i32-cpu.py.
_base_ = ['./vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py']
modality = 'b'
pretrained = 'work_dirs/real_data/mae_bone/epoch_300.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.test))
test_dataloader = val_dataloader
