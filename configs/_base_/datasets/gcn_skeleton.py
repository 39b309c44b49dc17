# GCN data pipeline shared by every dataset, mmaction2's skeleton GCN recipe
# (its stgcn / stgcnpp configs) on SkeletonDataset: uniform sampling of 100
# frames (FastUniformSampleFrames: the frames of mmaction2's
# UniformSampleFrames) -> PoseDecode -> the stream (SkeletonModality: joint,
# bone from the format's tree, motion) -> FormatGCNInput ([clips, persons,
# T, V, C]) -> PackActionInputs. Differences to mmaction2's configs: the
# centring that mmaction2's PreNormalize3D does per sample per epoch happens
# once per dataset (SkeletonDataset's `preprocess`; its rotation, spine to z
# and shoulders to x, is not applied: the nearest option is
# `preprocess=dict(align=True)`), and bones come from the format, any layout
# (mmaction2's GenSkeFeat knows 'nturgb+d', 'openpose', 'coco').
# Dataset files inherit this and set ann_file / split / skeleton_format.
dataset_type = 'SkeletonDataset'
clip_len = 100
num_person = 2
# the stream: 'j' (joint), 'b' (bone), 'm' (motion); the tools refuse a
# config whose pipelines produce another one (a child takes the pipelines
# of its stream from `stream_pipelines`, as with s2i_skeleton.py)
modality = 'j'

to_gcn_input = [
    dict(type='SkeletonModality', modalities=modality),
    dict(type='FormatGCNInput', num_person=num_person),
    dict(type='PackActionInputs'),
]
train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='PoseDecode'),
    *to_gcn_input,
]
val_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=clip_len, num_clips=1,
         test_mode=True),
    dict(type='PoseDecode'),
    *to_gcn_input,
]
# test: 10 clips per sample, their scores averaged (GCNHead: 'prob')
test_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=clip_len, num_clips=10,
         test_mode=True),
    dict(type='PoseDecode'),
    *to_gcn_input,
]
stream_pipelines = {
    stream: {
        split: [
            dict(step, modalities=stream)
            if step['type'] == 'SkeletonModality' else step
            for step in pipeline
        ]
        for split, pipeline in (('train', train_pipeline),
                                ('val', val_pipeline),
                                ('test', test_pipeline))
    }
    for stream in ('j', 'b', 'm')
}

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, pipeline=val_pipeline, test_mode=True))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, pipeline=test_pipeline, test_mode=True))

val_evaluator = dict(
    type='mmaction.AccMetric',
    metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
val_cfg = dict()
test_cfg = dict()
