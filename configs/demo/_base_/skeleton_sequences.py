# The demo's data as skeleton sequences instead of S2I images, for the
# sequence models of projects/ (Skeleton2vec, SkeletonMAE) that
# benchmarks/ssl_peers.py compares with S2I: the same annotation file,
# splits, loaders and frame sampling as ./s2i_demo.py, then the joint
# coordinates as a [num_clips, M, T, V, C] tensor (persons zero-padded to
# 2 by mmaction2's FormatGCNInput) under `inputs`.
_base_ = ['./s2i_demo.py']

to_sequences = [
    dict(type='PoseDecode'),
    dict(type='SkeletonModality', modalities='j'),
    dict(type='FormatGCNInput', num_person=2),
    dict(type='mmpretrain.PackInputs', input_key='keypoint',
         meta_keys=('sample_idx', 'frame_dir')),
]
train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=1),
    *to_sequences,
]
test_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len={{_base_.clip_len}},
         num_clips=1, test_mode=True),
    *to_sequences,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
