# The motion stream of ./mae_vit-base-p16_8xb64-400e_ntu120-xsub.py.
_base_ = ['./mae_vit-base-p16_8xb64-400e_ntu120-xsub.py']
modality = 'm'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
