# Three-stream linear probe of the CPU recipe in one model
# (MultiStreamS2IClassifier): the joint, motion and bone encoders of
# ./vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py and its -motion- / -bone-
# variants, each frozen and loaded from its own MAE pretraining, read the
# three streams' S2I images of the same sampled frames; their logits are
# summed with learnable weights (LateFusionClsHead). The same probe
# schedule (benchmarks/league.py: the one-model late-fusion row).
_base_ = ['./vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py']
modality = ('j', 'm', 'b')
stream_checkpoints = dict(
    j='work_dirs/real_data/mae/epoch_300.pth',
    m='work_dirs/real_data/mae_motion/epoch_300.pth',
    b='work_dirs/real_data/mae_bone/epoch_300.pth')
model = dict(
    _delete_=True,
    type='MultiStreamS2IClassifier',
    # 9 channels: the single-stream statistics once per stream
    data_preprocessor=dict(
        _base_.model.data_preprocessor,
        mean=_base_.model.data_preprocessor.mean * 3,
        std=_base_.model.data_preprocessor.std * 3),
    # each stream: the single-stream probe's frozen encoder and neck
    streams={
        stream: dict(
            backbone=dict(
                _base_.model.backbone,
                init_cfg=dict(
                    _base_.model.backbone.init_cfg, checkpoint=checkpoint)),
            neck=_base_.model.neck)
        for stream, checkpoint in stream_checkpoints.items()
    },
    # the streams' logits summed with learnable weights starting equal
    head=dict(
        type='LateFusionClsHead',
        num_classes={{_base_.num_classes}},
        in_channels={{_base_.vit_arch.embed_dims}},
        num_streams=3,
        learnable_weights=True,
        loss=_base_.model.head.loss,
        init_cfg=_base_.model.head.init_cfg))
train_dataloader = dict(
    dataset=dict(pipeline=_base_.stream_pipelines.jmb.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.jmb.test))
test_dataloader = val_dataloader
