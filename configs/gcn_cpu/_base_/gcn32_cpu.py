# GCNs at the CPU scale of the S2I recipe (../../s2i_mae_cpu/): the same
# data settings, inherited from its base (NW-UCLA cross-view by default, the
# same preprocessing, 32 uniformly sampled frames, 10 test clips, the same
# RandomSkeletonAffine augmentation, batch 64, data prepared in the main
# process), with the pipelines ending in a GCN input instead of an S2I
# image. benchmarks/real_data.py can point the loaders at any converted
# dataset as for the S2I configs (then also set
# model.backbone.graph_cfg.layout to its format).
_base_ = [
    '../../s2i_mae_cpu/_base_/s2i32_cpu.py',
    '../../_base_/schedules/gcn_sgd_80e.py',
]

# NW-UCLA has one person per sequence: a second (zero) person would double
# the GCN's work for nothing
num_person = 1
modality = 'j'
to_gcn_input = [
    dict(type='SkeletonModality', modalities=modality),
    dict(type='FormatGCNInput', num_person=num_person),
    # the sample names go into tools/test.py --dump files, which
    # tools/analysis/fuse_scores.py aligns by name (the streams' fusion)
    dict(type='PackActionInputs', meta_keys=('sample_idx', 'frame_dir')),
]
train_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=_base_.clip_len,
         num_clips=1),
    dict(type='PoseDecode'),
    _base_.augment,
    *to_gcn_input,
]
test_pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=_base_.clip_len,
         num_clips=10, test_mode=True),
    dict(type='PoseDecode'),
    *to_gcn_input,
]
# the pipelines of each stream (a stream config takes its pipelines from
# here, as with the S2I configs: `_base_.stream_pipelines.b.train`)
stream_pipelines = {
    stream: {
        split: [
            dict(step, modalities=stream)
            if step['type'] == 'SkeletonModality' else step
            for step in pipeline
        ]
        for split, pipeline in (('train', train_pipeline),
                                ('test', test_pipeline))
    }
    for stream in ('j', 'b', 'm')
}
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# mmaction2's GCN schedule (SGD, Nesterov, lr 0.1 per 128 samples, cosine
# to zero) over the 100 epochs of the S2I supervised-from-scratch config,
# at its batch of 64
max_epochs = 100
optim_wrapper = dict(optimizer=dict(lr=0.1 * 64 / 128))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=max_epochs,
         by_epoch=True, convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs,
                 val_interval=max_epochs)
auto_scale_lr = dict(base_batch_size=64)
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
