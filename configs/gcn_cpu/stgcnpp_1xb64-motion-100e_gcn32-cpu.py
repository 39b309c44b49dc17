# The motion stream of ./stgcnpp_1xb64-joint-100e_gcn32-cpu.py
# (SkeletonModality 'm': next frame minus this frame).
_base_ = ['./stgcnpp_1xb64-joint-100e_gcn32-cpu.py']
modality = 'm'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.test))
test_dataloader = val_dataloader
