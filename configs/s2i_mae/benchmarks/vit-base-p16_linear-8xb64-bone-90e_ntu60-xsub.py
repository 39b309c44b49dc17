# The bone stream of ./vit-base-p16_linear-8xb64-90e_ntu60-xsub.py, on the encoder
# pretrained by ../mae_vit-base-p16_8xb64-bone-400e_ntu60-xsub.py.
_base_ = ['./vit-base-p16_linear-8xb64-90e_ntu60-xsub.py']
modality = 'b'
pretrained = 'work_dirs/mae_vit-base-p16_8xb64-bone-400e_ntu60-xsub/epoch_400.pth'
model = dict(backbone=dict(init_cfg=dict(checkpoint=pretrained)))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.test))
test_dataloader = val_dataloader
