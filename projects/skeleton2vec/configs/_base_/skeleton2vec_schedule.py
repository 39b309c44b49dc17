# The official Skeleton2vec pretraining schedule
# (configs/ntu60_xsub/pretrain_skt2vec2.yaml): AdamW, lr 1e-3, betas
# (0.9, 0.95), weight decay 0.05 except on biases, norms, layer scales,
# position embeddings and the mask token (its weight_decay_groups and
# no_weight_decay), gradients clipped at norm 4; 20 warm-up epochs, cosine
# to 1e-5 at epoch 800.
max_epochs = 800
warmup_epochs = 20
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='AdamW', lr=1e-3, betas=(0.9, 0.95), weight_decay=0.05),
    paramwise_cfg=dict(
        flat_decay_mult=0.,
        custom_keys={
            'pos_embed': dict(decay_mult=0.),
            'mask_token': dict(decay_mult=0.)
        }),
    clip_grad=dict(max_norm=4.0))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=max_epochs - warmup_epochs,
         by_epoch=True, begin=warmup_epochs, end=max_epochs, eta_min=1e-5,
         convert_to_iter_based=True)
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs)
