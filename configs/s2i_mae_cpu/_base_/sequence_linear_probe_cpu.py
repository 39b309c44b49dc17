# The linear probe of the CPU recipe (../vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py:
# SGD lr 0.1 at batch 64, 50 epochs, cosine; non-affine BatchNorm and a
# linear layer on the frozen encoder's mean-pooled 128 features) on
# skeleton sequences (./sequences32_cpu.py), for the sequence encoders of
# projects/ in benchmarks/league.py. A project's probe config adds the
# frozen backbone. The encoders average their features over the 10 test
# clips (the S2I classifier averages the clips' scores).
_base_ = ['./sequences32_cpu.py', '../../demo/_base_/linear_probe_50e.py']

embed_dims = 128  # the S2I recipe's ViT width
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor'),  # stacks, no norm
    neck=dict(type='ClsBatchNormNeck', input_features=embed_dims),
    head=dict(
        type='LinearClsHead',
        num_classes=_base_.num_classes,
        in_channels=embed_dims,
        topk=(1, 5),
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))

# a last batch of one sample would stop the BatchNorm neck
train_dataloader = dict(drop_last=True)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=_base_.max_epochs, max_keep_ckpts=1))
