# The bone stream of ./mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py.
_base_ = ['./mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py']
modality = 'b'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
