# Linear probe of the CPU recipe's encoder (benchmarks/real_data.py): frozen
# encoder, mean-pooled patch features, non-affine BatchNorm, linear layer.
# `model.backbone.init_cfg.checkpoint` names the MAE pretraining checkpoint;
# `model.backbone.init_cfg=None` probes a randomly initialised encoder.
# ours: mean-pooled features (MAE's loss never trains the cls token); SGD
# (LARS is meant for batches of thousands); 50 epochs, cosine.
_base_ = [
    '../_base_/models/vit-base-p16_s2i_linear.py',
    './_base_/s2i32_cpu.py',
    '../_base_/schedules/linear_probe_90e.py',
]
pretrained = 'work_dirs/real_data/mae/epoch_300.pth'
model = dict(
    data_preprocessor=dict(size={{_base_.input_size}}),
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
auto_scale_lr = dict(base_batch_size=64)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
