# The CPU recipe's data (./s2i32_cpu.py: dataset, preprocessing, 32 sampled
# frames, the same augmentation, 10 test clips, batch 64, data prepared in
# the main process) as skeleton sequences instead of S2I images, for the
# sequence encoders of projects/ (Skeleton2vec, SkeletonMAE) that
# benchmarks/league.py sets against the S2I recipe: the joint coordinates
# as a [num_clips, M, T, V, C] tensor under `inputs`.
_base_ = ['./s2i32_cpu.py']

# the dev sets (NW-UCLA, MSR-Action3D, UTD-MHAD) have one person per
# sequence: a second (zero) person would double the encoders' work
num_person = 1
to_sequences = [
    dict(type='SkeletonModality', modalities='j'),
    dict(type='FormatGCNInput', num_person=num_person),
    dict(type='mmpretrain.PackInputs', input_key='keypoint',
         meta_keys=('sample_idx', 'frame_dir')),
]
train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=_base_.clip_len,
         num_clips=1),
    dict(type='PoseDecode'),
    _base_.augment,
    *to_sequences,
]
test_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=_base_.clip_len,
         num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    *to_sequences,
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
