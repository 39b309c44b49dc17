# Fine-tuning the CPU recipe's MAE encoder (benchmarks/real_data.py): all
# layers trained, mean-pooled features, layer-wise lr decay, label
# smoothing. `model.backbone.init_cfg.checkpoint` names the MAE pretraining
# checkpoint; the supervised-from-scratch config inherits this one.
_base_ = [
    '../_base_/models/vit-base-p16_s2i_finetune.py',
    './_base_/s2i32_cpu.py',
    '../_base_/schedules/finetune_100e.py',
]
pretrained = 'work_dirs/real_data/mae/epoch_300.pth'
model = dict(
    data_preprocessor=dict(size={{_base_.input_size}}),
    backbone=dict(
        arch={{_base_.vit_arch}},
        img_size={{_base_.img_size}},
        patch_size={{_base_.patch_size}},
        drop_path_rate=0.1,
        init_cfg=dict(checkpoint=pretrained)),
    head=dict(
        num_classes={{_base_.num_classes}},
        in_channels={{_base_.vit_arch.embed_dims}}))

# ours: AdamW lr 1e-3 at batch 64, layer decay 0.75 over 4 layers
max_epochs = 100
warmup_epochs = 10
optim_wrapper = dict(
    optimizer=dict(lr=1e-3), paramwise_cfg=dict(layer_decay_rate=0.75))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-6,
         convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=max_epochs)
auto_scale_lr = dict(base_batch_size=64)
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval=max_epochs, max_keep_ckpts=1))
