# Skeleton2vec pretraining at the scale of the S2I CPU recipe
# (../../../configs/s2i_mae_cpu/), for the league of benchmarks/league.py:
# the recipe's data, 32 frames and augmentation as skeleton sequences
# (../../../configs/s2i_mae_cpu/_base_/sequences32_cpu.py; NW-UCLA
# cross-view, `kinect20`, by default), the train split only, labels unused.
# Settings as ./skeleton2vec_skt-w16-l4_1xb32-200e_synthetic.py (the
# official code's unless marked ours; see ../README.md). The league points
# the loaders at any dataset and sets `num_joints` / the decoder's `grid`
# to its format.
_base_ = [
    '../../../configs/s2i_mae_cpu/_base_/sequences32_cpu.py',
    './_base_/skeleton2vec_schedule.py',
]
custom_imports = dict(
    imports=['projects.skeleton2vec.models'], allow_failed_imports=False)

# ours: the encoder shape of the S2I CPU recipe's ViT (128 wide, 4 layers,
# 4 heads, feed-forward 512), so both are probed on 128 features; the
# official encoder is 256 wide, 8 layers, 8 heads.
embed_dims = 128
num_layers = 4
num_joints = 20  # kinect20
# ours: tokens of 8 frames (official: 3 frames of 90): 4 x 20 tokens per
# person, 5x the S2I ViT's 16 patches, keep an iteration within ~3x the
# cost of an S2I-MAE one.
segment_len = 8
grid = (_base_.clip_len // segment_len, num_joints)
model = dict(
    type='Skeleton2vec',
    backbone=dict(
        type='SkeletonTransformer',
        num_joints=num_joints,
        clip_len=_base_.clip_len,
        segment_len=segment_len,
        embed_dims=embed_dims,
        num_layers=num_layers,
        num_heads=4,
        mlp_ratio=4.,
        layer_scale_init_value=1e-4),
    # ours: the S2I CPU recipe's MAE decoder shape (64 wide, 2 layers;
    # official: 256 wide, 3 layers)
    neck=dict(
        type='Skeleton2vecDecoder',
        grid=grid,
        embed_dims=embed_dims,
        decoder_embed_dims=64,
        num_layers=2,
        num_heads=4),
    head=dict(
        type='MIMHead',
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    mask_ratio=0.9,
    # one 8-frame segment per tube (official: 5 segments x 3 frames)
    tube_len=1,
    motion_tau=0.1,  # the official s_tau
    average_top_k_layers=num_layers,  # all layers, as the official 8 of 8
    per_layer_norm='instance_norm',
    final_layer_norm=True,
    # ours: decay 0.99 -> 1.0 over the run, as the synthetic config (runs
    # of a few hundred to a few thousand updates)
    teacher=dict(momentum=1e-2, end_momentum=0.))

val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None

# the official optimiser (./_base_/skeleton2vec_schedule.py) at the S2I
# CPU MAE's epochs (300) and warm-up fraction (10 %; the league fits the
# schedule to its iteration budget)
max_epochs = 300
warmup_epochs = 30
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-5,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
