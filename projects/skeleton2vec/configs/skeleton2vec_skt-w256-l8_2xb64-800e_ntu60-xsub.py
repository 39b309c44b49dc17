# Skeleton2vec pretraining on NTU-60 x-sub with the official recipe
# (configs/ntu60_xsub/pretrain_skt2vec2.yaml of
# github.com/Ruizhuo-Xu/Skeleton2vec): 2 GPUs x 64 sequences, 800 epochs.
# The train split only, its labels unused. See ../README.md.
_base_ = [
    './_base_/ntu60_xsub_sequences.py',
    './_base_/skeleton2vec_schedule.py',
]

model = dict(
    type='Skeleton2vec',
    neck=dict(
        type='Skeleton2vecDecoder',
        grid=(30, 25),  # 90 frames / 3, 25 joints
        embed_dims=256,
        decoder_embed_dims=256,
        num_layers=3,
        num_heads=8),
    head=dict(
        type='MIMHead',
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    mask_ratio=0.9,
    tube_len=5,
    motion_tau=0.1,
    average_top_k_layers=8,
    per_layer_norm='instance_norm',
    final_layer_norm=True,
    # decay 0.9999 -> 1.0, linearly over the whole run
    teacher=dict(momentum=1e-4, end_momentum=0.))

val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None
train_dataloader = dict(batch_size=64)

default_hooks = dict(checkpoint=dict(interval=100, max_keep_ckpts=2))
auto_scale_lr = dict(base_batch_size=128)
