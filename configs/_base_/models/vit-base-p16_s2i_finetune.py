# Fine-tuning an S2I-MAE ViT-B/16: mean-pooled patch features, drop path;
# layer-wise lr decay comes from the schedule (mmpretrain's constructor).
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
        drop_path_rate=0.1,
        out_type='avg_featmap',
        final_norm=False,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    neck=None,
    head=dict(
        type='LinearClsHead',
        num_classes=60,
        in_channels=768,
        loss=dict(
            type='LabelSmoothLoss', label_smooth_val=0.1, mode='original'),
        topk=(1, 5),
        init_cfg=[dict(type='TruncNormal', layer='Linear', std=2e-5)]))
