# Skeleton2vec pretraining on the CPU demo's synthetic set, for the
# side-by-side comparison with S2I-MAE (benchmarks/ssl_peers.py): the
# train split only, its labels unused. Settings from the official code's
# NTU-60 x-sub config (configs/ntu60_xsub/pretrain_skt2vec2.yaml of
# github.com/Ruizhuo-Xu/Skeleton2vec) unless marked ours; see
# ../README.md.
_base_ = [
    '../../../configs/demo/_base_/skeleton_sequences.py',
    './_base_/skeleton2vec_schedule.py',
]
custom_imports = dict(
    imports=['projects.skeleton2vec.models'], allow_failed_imports=False)

# ours: the encoder shape of the S2I demo's ViT (16 wide, 4 layers, 4
# heads, feed-forward 64), so both are probed on 16 features; the
# official encoder is 256 wide, 8 layers, 8 heads.
embed_dims = 16
num_layers = 4
clip_len = 64  # the frames the demo's pipelines sample
# ours: tokens of 16 frames (official: 3 frames of 90): 4 x 25 tokens per
# person keep a pretraining epoch within the CPU budget.
segment_len = 16
grid = (clip_len // segment_len, 25)  # ntu25 joints
encoder = dict(
    type='SkeletonTransformer',
    num_joints=grid[1],
    clip_len=clip_len,
    segment_len=segment_len,
    embed_dims=embed_dims,
    num_layers=num_layers,
    num_heads=4,
    mlp_ratio=4.,
    layer_scale_init_value=1e-4)
model = dict(
    type='Skeleton2vec',
    backbone=encoder,
    # ours: one 16-wide decoder layer (official: 3 layers, 256 wide)
    neck=dict(
        type='Skeleton2vecDecoder',
        grid=grid,
        embed_dims=embed_dims,
        decoder_embed_dims=embed_dims,
        num_layers=1,
        num_heads=4),
    head=dict(
        type='MIMHead',
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    mask_ratio=0.9,
    # one 16-frame segment per tube (official: 5 segments x 3 frames)
    tube_len=1,
    motion_tau=0.1,  # the official s_tau
    average_top_k_layers=num_layers,  # all layers, as the official 8 of 8
    per_layer_norm='instance_norm',
    final_layer_norm=True,
    # ours: decay 0.99 -> 1.0 over the run (official 0.9999 -> 1.0 over
    # 251,200 updates): 0.9999 averages the last ~10^4 updates, 4 % of the
    # official run; our runs are a few thousand updates, and 0.99 (~100
    # updates) keeps the teacher as far behind relative to its run.
    teacher=dict(momentum=1e-2, end_momentum=0.))

val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None

# the official optimiser and schedule (./_base_/skeleton2vec_schedule.py)
# over 200 epochs, the warm-up 2.5 % of them as there (20 of 800)
max_epochs = 200
warmup_epochs = 5
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-5,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
