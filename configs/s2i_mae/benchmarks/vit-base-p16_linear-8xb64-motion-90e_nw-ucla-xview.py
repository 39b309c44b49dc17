# The motion stream of ./vit-base-p16_linear-8xb64-90e_nw-ucla-xview.py, on the encoder
# pretrained by ../mae_vit-base-p16_8xb64-motion-400e_nw-ucla-xview.py.
_base_ = ['./vit-base-p16_linear-8xb64-90e_nw-ucla-xview.py']
modality = 'm'
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-motion-400e_nw-ucla-xview/epoch_400.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.test))
test_dataloader = val_dataloader
