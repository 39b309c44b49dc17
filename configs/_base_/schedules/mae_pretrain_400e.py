# MAE pretraining schedule (MAE / mmpretrain's, ImageNet recipe): AdamW,
# base lr 1.5e-4 per 256 samples, 40 warm-up epochs, cosine to epoch 400.
# ours: the paper gives no S2I pretraining length; 400 epochs is MAE's
# shortest published ViT-B recipe, and NTU-60 x-sub (40k clips) at batch
# 512 makes it about 32k iterations.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1.5e-4 * 512 / 256, betas=(0.9, 0.95),
        weight_decay=0.05),
    paramwise_cfg=dict(
        custom_keys={
            'ln': dict(decay_mult=0.0),
            'bias': dict(decay_mult=0.0),
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.),
            'cls_token': dict(decay_mult=0.)
        }))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=40, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=360, by_epoch=True, begin=40,
         end=400, convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=400)
auto_scale_lr = dict(base_batch_size=512)
