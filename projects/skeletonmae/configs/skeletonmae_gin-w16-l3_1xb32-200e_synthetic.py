# SkeletonMAE pretraining on the CPU demo's synthetic set, for the
# side-by-side comparison with S2I-MAE (benchmarks/ssl_peers.py): the
# train split only, its labels unused. The authors have released no code;
# where each setting comes from is in ../README.md (paper, GraphMAE, or
# ours).
_base_ = ['../../../configs/demo/_base_/skeleton_sequences.py']
custom_imports = dict(
    imports=['projects.skeletonmae.models'], allow_failed_imports=False)

skeleton_format = 'ntu25'  # the demo's layout; any registered format works
clip_len = 64  # the frames the demo's pipelines sample
# ours: 16 wide like the S2I demo's ViT (so both are probed on 16
# features), 3 GIN layers
embed_dims = 16
# ours: a node is a joint over 4 frames (12 values); one graph per frame
# (segment_len=1) is the closer reading of the paper but costs 4x more
segment_len = 4
model = dict(
    type='SkeletonMAE',
    backbone=dict(
        type='SkeletonGINEncoder',
        skeleton_format=skeleton_format,
        clip_len=clip_len,
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

# ours: the S2I demo's MAE optimiser (AdamW, lr 1.5e-3, betas (0.9, 0.95),
# weight decay 0.05 except on norms and biases), 10 % warm-up, cosine
max_epochs = 200
warmup_epochs = 20
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
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
