# SkeletonMAE pretraining at the scale of the S2I CPU recipe
# (../../../configs/s2i_mae_cpu/), for the league of benchmarks/league.py:
# the recipe's data, 32 frames and augmentation as skeleton sequences
# (../../../configs/s2i_mae_cpu/_base_/sequences32_cpu.py; NW-UCLA
# cross-view, `kinect20`, by default), the train split only, labels unused.
# Settings as ./skeletonmae_gin-w16-l3_1xb32-200e_synthetic.py (see
# ../README.md) unless said here. The league sets `skeleton_format` of
# the encoder, decoder and head to its dataset's format.
_base_ = ['../../../configs/s2i_mae_cpu/_base_/sequences32_cpu.py']
custom_imports = dict(
    imports=['projects.skeletonmae.models'], allow_failed_imports=False)

skeleton_format = _base_.data.skeleton_format
# ours: 128 wide like the S2I CPU recipe's ViT (both probed on 128
# features), 3 GIN layers as the synthetic config
embed_dims = 128
# ours: a node is a joint over 4 frames (12 values), as the synthetic
# config: 8 graphs of 20 joints per 32-frame sample
segment_len = 4
model = dict(
    type='SkeletonMAE',
    backbone=dict(
        type='SkeletonGINEncoder',
        skeleton_format=skeleton_format,
        clip_len=_base_.clip_len,
        segment_len=segment_len,
        embed_dims=embed_dims,
        num_layers=3),
    neck=dict(
        type='SkeletonGINDecoder',
        skeleton_format=skeleton_format,
        embed_dims=embed_dims,
        out_dims=segment_len * 3),
    head=dict(
        type='JointEdgeReconstructionHead',
        skeleton_format=skeleton_format,
        gamma=2.,
        edge_loss_weight=1.),
    mask_ratio=0.5,
    mask_strategy='body_part')

val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None

# ours: the S2I CPU recipe's MAE optimiser (AdamW, lr 1.5e-3 at batch 64,
# betas (0.9, 0.95), weight decay 0.05 except on norms and biases) and
# schedule (300 epochs, 10 % warm-up, cosine; the league fits it to its
# iteration budget)
max_epochs = 300
warmup_epochs = 30
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-3, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        flat_decay_mult=0., custom_keys={'mask_token': dict(decay_mult=0.)}))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-5,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
