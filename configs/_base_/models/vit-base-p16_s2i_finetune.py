# Fine-tuning an S2I-MAE ViT-B/16: mean-pooled patch features, drop path;
# layer-wise lr decay comes from the schedule (mmpretrain's constructor).
_base_ = ['./vit-base-p16_s2i.py']
model = dict(
    backbone=dict(
        drop_path_rate=0.1, out_type='avg_featmap', final_norm=False),
    neck=None,
    head=dict(
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]))
