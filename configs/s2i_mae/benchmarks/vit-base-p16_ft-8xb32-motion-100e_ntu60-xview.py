# The motion stream of ./vit-base-p16_ft-8xb32-100e_ntu60-xview.py, on the encoder
# pretrained by ../mae_vit-base-p16_8xb64-motion-400e_ntu60-xview.py.
_base_ = ['./vit-base-p16_ft-8xb32-100e_ntu60-xview.py']
modality = 'm'
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-motion-400e_ntu60-xview/epoch_400.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.test))
test_dataloader = val_dataloader
