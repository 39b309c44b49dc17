# Linear probe of the CPU recipe's encoder (benchmarks/real_data.py): frozen
# encoder, mean-pooled patch features, non-affine BatchNorm, linear layer.
# `model.backbone.init_cfg.checkpoint` names the MAE pretraining checkpoint;
# `model.backbone.init_cfg=None` probes a randomly initialised encoder.
# ours: mean-pooled features (MAE's loss never trains the cls token); the
# demo's probe schedule (SGD, 50 epochs, cosine; see its file) at batch 64.
_base_ = [
    '../_base_/models/vit-base-p16_s2i_linear.py',
    './_base_/s2i32_cpu.py',
    '../demo/_base_/linear_probe_50e.py',
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

auto_scale_lr = dict(base_batch_size=64)
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval={{_base_.max_epochs}}, max_keep_ckpts=1))
