# The motion stream of ./mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py.
_base_ = ['./mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py']
modality = 'm'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
