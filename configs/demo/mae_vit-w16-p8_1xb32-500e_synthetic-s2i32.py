# The CPU demo's MAE pretraining (demo/s2i_demo.py): a 16-wide ViT on
# 32 x 32 S2I images of the synthetic set, from scratch (no ImageNet
# weights). Self-supervised: the train split only, its labels unused.
# ours (every value here): a schedule that pretrains in a few minutes on
# 2 CPU cores.
_base_ = [
    '../_base_/models/mae_vit-base-p16_s2i.py',
    './_base_/s2i_demo.py',
    '../_base_/schedules/mae_pretrain_400e.py',
]
model = dict(
    data_preprocessor=dict(size={{_base_.img_size}}),
    backbone=dict(
        arch={{_base_.vit_arch}},
        img_size={{_base_.img_size}},
        patch_size={{_base_.patch_size}},
        mask_strategy='random',
        mask_ratio=0.75),
    neck=dict(
        num_patches=None,
        patch_resolution={{_base_.patch_grid}},
        patch_size={{_base_.patch_size}},
        embed_dim={{_base_.vit_arch.embed_dims}},
        decoder_embed_dim=32,
        decoder_depth=2,
        decoder_num_heads=4),
    head=dict(patch_size={{_base_.patch_size}}),
    init_cfg=None)

val_dataloader = val_evaluator = val_cfg = None
test_dataloader = test_evaluator = test_cfg = None

max_epochs = 500
warmup_epochs = 50
optim_wrapper = dict(optimizer=dict(lr=1.5e-3))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-5,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
auto_scale_lr = dict(base_batch_size=32)
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
