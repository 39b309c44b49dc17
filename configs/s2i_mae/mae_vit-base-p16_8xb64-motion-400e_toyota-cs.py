# The motion stream of ./mae_vit-base-p16_8xb64-400e_toyota-cs.py.
_base_ = ['./mae_vit-base-p16_8xb64-400e_toyota-cs.py']
modality = 'm'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
