# The demo's linear-probe schedule, shared by every encoder the demo and
# benchmarks/ssl_peers.py probe (the S2I ViT, and the Skeleton2vec and
# SkeletonMAE encoders of projects/), so that all are probed alike.
# ours: SGD instead of MAE's LARS, whose layer-wise trust ratio is meant
# for batches of thousands (at batch 32 the probe barely moves); 50
# epochs, 5 of warm-up, cosine; no weight decay (MAE's probe).
_base_ = ['../../_base_/schedules/linear_probe_90e.py']

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
