# The bone stream of ./mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py.
_base_ = ['./mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py']
modality = 'b'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
