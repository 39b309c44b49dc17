# The bone stream of ./stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py
# (bones from the `ntu25` tree by SkeletonModality).
_base_ = ['./stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py']
modality = 'b'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.val))
test_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.b.test))
