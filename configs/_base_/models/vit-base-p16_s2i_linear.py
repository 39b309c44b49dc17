# Linear probe of an S2I-MAE ViT-B/16: frozen encoder, cls token, a
# non-affine BatchNorm before the linear layer (as MAE's linear probe).
_base_ = ['./vit-base-p16_s2i.py']
model = dict(
    backbone=dict(
        frozen_stages=12,
        out_type='cls_token',  # or 'avg_featmap' (mean-pooled patches)
        final_norm=True),
    neck=dict(type='ClsBatchNormNeck', input_features=768),
    head=dict(
        loss=dict(type='CrossEntropyLoss'),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
