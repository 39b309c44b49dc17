# S2I data pipeline shared by every dataset: mmaction2's frame sampling
# (FastUniformSampleFrames runs mmaction2's UniformSampleFrames without its
# per-frame bookkeeping loop; same frame indices) ->
# modality -> S2I grid -> mmpretrain packing; the grid becomes the 224 x 224
# model input in the workers or on the model's device (the switch below).
# Dataset files inherit this and set ann_file / split / skeleton_format.
dataset_type = 'SkeletonDataset'

# ours: the paper resizes T x J to 224 x 224 but does not say how many
# frames it samples; 64 uniformly sampled frames keep NTU's typical action
# (~70-100 frames) nearly whole.
clip_len = 64
# The stream: 'j' (joint), 'b' (bone), 'm' (motion); a tuple for the
# multi-stream recognizer. tools/train.py and tools/test.py refuse a config
# whose pipelines produce another stream: the pipelines below are built from
# this value when this file is parsed, so a child that changes `modality`
# also takes that stream's pipelines from `stream_pipelines` (end of file).
modality = 'j'
# ours: where the T x J grid is resized to 224 x 224. True: the workers send
# the grid (64 x 50 x 3 floats for two ntu25 persons, 16x fewer bytes than
# the image) and the model's S2I*DataPreprocessor resizes the batch on its
# device; False: S2IEncode resizes in the workers. The model gets the same
# input either way (within 1e-5, tests/models/test_data_preprocessors.py);
# the preprocessors leave 224 x 224 inputs as they are. Set it here: the
# pipelines below are built from it when this file is read.
resize_on_device = True
s2i_size = None if resize_on_device else (224, 224)

train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=clip_len, num_clips=1),
    dict(type='PoseDecode'),
    dict(type='SkeletonModality', modalities=modality),
    dict(type='S2IEncode', size=s2i_size),
    dict(type='mmpretrain.PackInputs', meta_keys=('sample_idx', 'frame_dir')),
]
# test: 10 clips per sample, their scores averaged (mmaction2's habit)
test_pipeline = [
    dict(
        type='FastUniformSampleFrames',
        clip_len=clip_len,
        num_clips=10,
        test_mode=True),
    dict(type='PoseDecode'),
    dict(type='SkeletonModality', modalities=modality),
    dict(type='S2IEncode', size=s2i_size),
    dict(type='mmpretrain.PackInputs', meta_keys=('sample_idx', 'frame_dir')),
]

# The pipelines above with the modality step of each stream; 'jmb' stacks
# the joint, motion and bone images along the channels (9 channels, the
# same images as the three single streams) for MultiStreamS2IClassifier.
# A stream config:
#     modality = 'b'
#     train_dataloader = dict(
#         dataset=dict(pipeline=_base_.stream_pipelines.b.train))
#     val_dataloader = dict(
#         dataset=dict(pipeline=_base_.stream_pipelines.b.test))
#     test_dataloader = val_dataloader
stream_pipelines = {
    key: {
        split: [
            dict(step, modalities=stream)
            if step['type'] == 'SkeletonModality' else step
            for step in pipeline
        ]
        for split, pipeline in (('train', train_pipeline),
                                ('test', test_pipeline))
    }
    for key, stream in (('j', 'j'), ('b', 'b'), ('m', 'm'),
                        ('jmb', ('j', 'm', 'b')))
}

train_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type=dataset_type, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, pipeline=test_pipeline, test_mode=True))
test_dataloader = val_dataloader

# top-1, top-5 and mean class accuracy (mmaction2's metric reads the
# pred_score / gt_label that mmpretrain's classifiers produce)
val_evaluator = dict(
    type='mmaction.AccMetric',
    metric_list=('top_k_accuracy', 'mean_class_accuracy'))
test_evaluator = val_evaluator
val_cfg = dict()
test_cfg = dict()
