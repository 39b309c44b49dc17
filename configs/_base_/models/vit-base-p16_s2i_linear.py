# Linear probe of an S2I-MAE ViT-B/16: frozen encoder, cls token, a
# non-affine BatchNorm before the linear layer (as MAE's linear probe).
s2i_mean = [0.485, 0.456, 0.406]
s2i_std = [0.229, 0.224, 0.225]

model = dict(
    type='S2IClassifier',
    data_preprocessor=dict(
        type='ClsDataPreprocessor', mean=s2i_mean, std=s2i_std,
        to_rgb=False),
    backbone=dict(
        type='VisionTransformer',
        arch='base',
        img_size=224,
        patch_size=16,
        frozen_stages=12,
        out_type='cls_token',  # or 'avg_featmap' (mean-pooled patches)
        final_norm=True,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=dict(type='ClsBatchNormNeck', input_features=768),
    head=dict(
        type='LinearClsHead',
        num_classes=60,
        in_channels=768,
        loss=dict(type='CrossEntropyLoss'),
        topk=(1, 5),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=0.01)]))
