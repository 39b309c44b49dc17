# Linear probe of the demo's MAE encoder (demo/s2i_demo.py): frozen
# encoder, mean-pooled patch features, non-affine BatchNorm, linear layer;
# trained on the synthetic train split, evaluated on the held-out val
# split (other simulated subjects), with the demo's probe schedule
# (./_base_/linear_probe_50e.py).
# ours: mean-pooled features (`avg_featmap`) rather than the cls token,
# which MAE's loss never trains (on this set it probes 10-15 points
# lower).
_base_ = [
    '../_base_/models/vit-base-p16_s2i_linear.py',
    './_base_/s2i_demo.py',
    './_base_/linear_probe_50e.py',
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
# a log line every 50 iterations and at the end of every epoch (shorter
# than 50 iterations here), with the ETA
default_hooks = dict(
    logger=dict(interval=50, ignore_last=False),
    checkpoint=dict(interval={{_base_.max_epochs}}, max_keep_ckpts=1))
