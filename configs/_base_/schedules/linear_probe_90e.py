# Linear probe schedule (MAE's): LARS, lr 0.1 per 256 samples, no weight
# decay, 10 warm-up epochs, cosine to epoch 90.
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(
        type='LARS', lr=0.1 * 512 / 256, weight_decay=0.0, momentum=0.9))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-4, by_epoch=True, begin=0,
         end=10, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', T_max=80, by_epoch=True, begin=10,
         end=90, eta_min=0.0, convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=90, val_interval=10)
auto_scale_lr = dict(base_batch_size=512)
