# The motion stream of ./mae_vit-base-p16_8xb64-400e_nw-ucla-xview.py.
_base_ = ['./mae_vit-base-p16_8xb64-400e_nw-ucla-xview.py']
modality = 'm'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
