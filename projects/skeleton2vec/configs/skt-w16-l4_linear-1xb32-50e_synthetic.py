# Linear probe of the Skeleton2vec encoder pretrained by
# ./skeleton2vec_skt-w16-l4_1xb32-200e_synthetic.py, with the S2I demo's
# probe protocol (../../../configs/demo/_base_/linear_probe_50e.py: same
# splits, loaders, schedule, non-affine BatchNorm + linear layer on
# mean-pooled features), for benchmarks/ssl_peers.py.
_base_ = [
    '../../../configs/demo/_base_/skeleton_sequences.py',
    '../../../configs/demo/_base_/linear_probe_50e.py',
]
custom_imports = dict(
    imports=['projects.skeleton2vec.models'], allow_failed_imports=False)

embed_dims = 16
# the teacher's weights, as the official linear probe (using_ema_model)
pretrained = 'work_dirs/ssl_peers/skeleton2vec/epoch_200.pth'
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor'),
    backbone=dict(
        type='SkeletonTransformer',
        num_joints=25,
        clip_len={{_base_.clip_len}},
        segment_len=16,
        embed_dims=embed_dims,
        num_layers=4,
        num_heads=4,
        frozen=True,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained,
            prefix='teacher.module.')),
    neck=dict(type='ClsBatchNormNeck', input_features=embed_dims),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels=embed_dims,
        topk=(1, 5),
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

# a last batch of one sample would stop the BatchNorm neck
train_dataloader = dict(drop_last=True)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval={{_base_.max_epochs}}, max_keep_ckpts=1))
