# The motion stream of ./vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py, on
# the encoder pretrained by ./mae_vit-w16-p8_1xb32-motion-500e_synthetic-s2i32.py
_base_ = ['./vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py']
modality = 'm'
pretrained = 'work_dirs/demo/mae_pretrain_motion/epoch_500.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.test))
test_dataloader = val_dataloader
