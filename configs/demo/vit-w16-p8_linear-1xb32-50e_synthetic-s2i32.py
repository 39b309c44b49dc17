# Linear probe of the demo's MAE encoder (demo/s2i_demo.py): frozen
# encoder, mean-pooled patch features, non-affine BatchNorm, linear layer;
# trained on the synthetic train split, evaluated on the held-out val
# split (other simulated subjects).
# ours: mean-pooled features (`avg_featmap`) rather than the cls token,
# which MAE's loss never trains (on this set it probes 10-15 points
# lower); SGD instead of MAE's LARS, whose layer-wise trust ratio is
# meant for batches of thousands (at batch 32 the probe barely moves);
# 50 epochs, cosine.
_base_ = [
    '../_base_/models/vit-base-p16_s2i_linear.py',
    './_base_/s2i_demo.py',
    '../_base_/schedules/linear_probe_90e.py',
]
# the encoder pretrained by ./mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py,
# where demo/s2i_demo.py writes it
pretrained = 'work_dirs/demo/mae_pretrain/epoch_500.pth'
model = dict(
    data_preprocessor=dict(size={{_base_.img_size}}),
    backbone=dict(
        arch={{_base_.vit_arch}},
        img_size={{_base_.img_size}},
        patch_size={{_base_.patch_size}},
        frozen_stages={{_base_.vit_arch.num_layers}},
        out_type='avg_featmap',
        init_cfg=dict(checkpoint=pretrained)),
    neck=dict(input_features={{_base_.vit_arch.embed_dims}}),
    head=dict(
        num_classes={{_base_.num_classes}},
        in_channels={{_base_.vit_arch.embed_dims}}))

# a last batch of one sample would stop the BatchNorm neck
train_dataloader = dict(drop_last=True)

max_epochs = 50
warmup_epochs = 5
optim_wrapper = dict(
    optimizer=dict(
        _delete_=True, type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=0.0,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
auto_scale_lr = dict(base_batch_size=32)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
