# NTU RGB+D 60 x-sub as skeleton sequences, the official Skeleton2vec
# input: 90 uniformly sampled frames of joint coordinates, persons padded
# to 2, as [num_clips, M, T, V, C] under `inputs`. Deviation: the official
# pipeline also rotates the skeletons at random (RandomRot, theta 0.3),
# which neither mmaction2 1.2 nor s2i_mm provides yet; SkeletonDataset
# centres every sample once (its default preprocessing) where the
# official code runs PreNormalize3D.
# Data: data/ntu/ntu60_3d.pkl, made by python tools/data/convert_ntu.py
# data/nturgbd_raw data/ntu/ntu60_3d.pkl --benchmark ntu60 (or mmaction2's
# published pkl); see docs/datasets.md, "Where files go".
_base_ = [
    '../../../../configs/_base_/datasets/ntu60_xsub.py',
    '../../../../configs/_base_/default_runtime.py',
]
custom_imports = dict(
    imports=['projects.skeleton2vec.models'], allow_failed_imports=False)

clip_len = 90
to_sequences = [
    dict(type='PoseDecode'),
    dict(type='SkeletonModality', modalities='j'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='mmpretrain.PackInputs', input_key='keypoint',
         meta_keys=('sample_idx', 'frame_dir')),
]
train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=clip_len, num_clips=1),
    *to_sequences,
]
test_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    *to_sequences,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# the official SkT encoder (configs/ntu60_xsub/pretrain_skt2vec2.yaml);
# the pretraining and the probe configs add the rest of the model
model = dict(
    backbone=dict(
        type='SkeletonTransformer',
        num_joints=25,
        clip_len=clip_len,
        segment_len=3,
        embed_dims=256,
        num_layers=8,
        num_heads=8,
        mlp_ratio=4.,
        layer_scale_init_value=1e-4))
