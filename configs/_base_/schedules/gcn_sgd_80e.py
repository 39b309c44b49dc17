# mmaction2's skeleton GCN schedule (stgcn / stgcnpp 'u100-80e' configs):
# SGD with Nesterov momentum, lr 0.1 per 128 samples, cosine to zero.
# mmaction2 writes it as 16 epochs of a 5x RepeatDataset; here it is the
# same 80 passes over the data without the wrapper, validated and saved
# every 5 passes (mmaction2: every repeated epoch; the checkpoint interval
# is the config's, `default_hooks.checkpoint.interval`).
optim_wrapper = dict(
    optimizer=dict(
        type='SGD', lr=0.1, momentum=0.9, weight_decay=0.0005,
        nesterov=True))
param_scheduler = [
    dict(type='CosineAnnealingLR', eta_min=0, T_max=80, by_epoch=True,
         convert_to_iter_based=True)
]
train_cfg = dict(by_epoch=True, max_epochs=80, val_interval=5)
auto_scale_lr = dict(enable=False, base_batch_size=128)
