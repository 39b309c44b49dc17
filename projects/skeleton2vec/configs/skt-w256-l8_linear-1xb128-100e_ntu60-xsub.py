# Linear probe of the Skeleton2vec encoder pretrained by
# ./skeleton2vec_skt-w256-l8_2xb64-800e_ntu60-xsub.py, with the official
# protocol (configs/ntu60_xsub/linear_probe.yaml): the teacher's weights
# frozen, tokens and persons mean-pooled, non-affine BatchNorm, a linear
# layer; SGD lr 0.1, momentum 0.9, no weight decay, batch 128, 100 epochs
# of cosine decay without warm-up.
_base_ = ['./_base_/ntu60_xsub_sequences.py']

pretrained = ('work_dirs/skeleton2vec_skt-w256-l8_2xb64-800e_ntu60-xsub/'
              'epoch_800.pth')
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor'),
    backbone=dict(
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained,
            prefix='teacher.module.')),
    neck=dict(type='ClsBatchNormNeck', input_features=256),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=256,
        topk=(1, 5),
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

train_dataloader = dict(batch_size=128, drop_last=True)
val_dataloader = dict(batch_size=128)
test_dataloader = val_dataloader

max_epochs = 100
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.1, momentum=0.9, weight_decay=0.))
param_scheduler = [
    dict(type='CosineAnnealingLR', T_max=max_epochs, by_epoch=True, begin=0,
         end=max_epochs, eta_min=0., convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=10)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(checkpoint=dict(interval=10, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=128)
