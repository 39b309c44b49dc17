# The linear probe of the skeleton-sequence encoders of projects/
# (Skeleton2vec, SkeletonMAE) on the demo's data, for
# benchmarks/ssl_peers.py: the S2I demo's probe protocol
# (./linear_probe_50e.py) and head (non-affine BatchNorm and a linear layer
# on the encoder's mean-pooled features, as large as the demo ViT's: 16),
# on skeleton sequences (./skeleton_sequences.py). A project's probe config
# adds the frozen backbone.
_base_ = ['./skeleton_sequences.py', './linear_probe_50e.py']

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor'),  # stacks, no norm
    neck=dict(
        type='ClsBatchNormNeck',
        input_features={{_base_.vit_arch.embed_dims}}),
    head=dict(
        type='LinearClsHead',
        num_classes={{_base_.num_classes}},
        in_channels={{_base_.vit_arch.embed_dims}},
        topk=(1, 5),
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

# a last batch of one sample would stop the BatchNorm neck
train_dataloader = dict(drop_last=True)
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval={{_base_.max_epochs}}, max_keep_ckpts=1))
