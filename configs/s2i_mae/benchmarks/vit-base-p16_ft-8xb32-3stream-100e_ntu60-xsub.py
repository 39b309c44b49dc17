# Three-stream fine-tuning in one model: the joint, motion and bone
# encoders of ./vit-base-p16_ft-8xb32-100e_ntu60-xsub.py (and its -motion- /
# -bone- variants), each from its own pretraining checkpoint, trained
# together with layer-wise lr decay in each stream; learnable late fusion.
_base_ = ['./vit-base-p16_ft-8xb32-100e_ntu60-xsub.py']
modality = ('j', 'm', 'b')
pretrained = 'work_dirs/mae_vit-base-p16_8xb64{}-400e_ntu60-xsub/epoch_400.pth'
model = dict(
    _delete_=True,
    type='MultiStreamS2IClassifier',
    data_preprocessor=dict(
        _base_.model.data_preprocessor,
        mean=_base_.model.data_preprocessor.mean * 3,
        std=_base_.model.data_preprocessor.std * 3),
    streams={
        stream: dict(
            backbone=dict(
                _base_.model.backbone,
                init_cfg=dict(
                    _base_.model.backbone.init_cfg,
                    checkpoint=pretrained.format(tag))))
        for stream, tag in (('j', ''), ('m', '-motion'), ('b', '-bone'))
    },
    head=dict(
        type='LateFusionClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=768,
        num_streams=3,
        learnable_weights=True,
        loss=_base_.model.head.loss,
        init_cfg=_base_.model.head.init_cfg))
train_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.jmb.train))
val_dataloader = dict(dataset=dict(pipeline=_base_.stream_pipelines.jmb.test))
test_dataloader = val_dataloader
