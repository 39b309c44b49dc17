# The joint-motion stream of
# ./stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py (SkeletonModality
# 'm': next frame minus this frame, zero across absent frames).
_base_ = ['./stgcnpp_8xb16-joint-u100-80e_ntu60-xsub-keypoint-3d.py']
modality = 'm'
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.val))
test_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.m.test))
