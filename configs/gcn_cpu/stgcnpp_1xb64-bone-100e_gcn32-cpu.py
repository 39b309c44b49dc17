# The bone stream of ./stgcnpp_1xb64-joint-100e_gcn32-cpu.py (bones from
# the format's tree by SkeletonModality).
_base_ = ['./stgcnpp_1xb64-joint-100e_gcn32-cpu.py']
modality = 'b'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.test))
test_dataloader = val_dataloader
