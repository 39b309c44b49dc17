# Three-stream linear probe in one model (MultiStreamS2IClassifier): the
# joint, motion and bone streams each have the frozen encoder and neck of
# the single-stream linear probe (./vit-base-p16_s2i_linear.py), loaded
# from its own pretraining checkpoint (`streams.<s>.backbone.init_cfg`);
# the head sums the streams' logits with learnable weights. The input is
# the three streams' S2I images of the same frames stacked along the
# channels (`stream_pipelines.jmb` of ../datasets/s2i_skeleton.py).
_base_ = ['./vit-base-p16_s2i_linear.py']
model = dict(
    _delete_=True,
    type='MultiStreamS2IClassifier',
    # 9 channels: the single-stream statistics once per stream
    data_preprocessor=dict(
        _base_.model.data_preprocessor,
        mean=_base_.model.data_preprocessor.mean * 3,
        std=_base_.model.data_preprocessor.std * 3),
    streams={
        stream: dict(backbone=_base_.model.backbone, neck=_base_.model.neck)
        for stream in ('j', 'm', 'b')
    },
    # ours: learnable weights starting equal (the paper fuses the streams'
    # scores but does not give the weights); `learnable_weights=False` for
    # fixed ones, or FeatureConcatClsHead for feature fusion
    head=dict(
        type='LateFusionClsHead',
        num_classes=_base_.model.head.num_classes,
        in_channels=_base_.model.head.in_channels,
        num_streams=3,
        learnable_weights=True,
        loss=_base_.model.head.loss,
        init_cfg=_base_.model.head.init_cfg))
