# An S2I classifier on a ViT-B/16 encoder (224 x 224 S2I images). The
# linear-probe and fine-tuning bases refine it; the encoder weights come
# from an S2I-MAE pretraining checkpoint (`init_cfg.checkpoint`).
# S2I images are in [0, 1]; ImageNet statistics on that scale keep the
# inputs where the ImageNet-pretrained weights expect them.
model = dict(
    type='S2IClassifier',
    data_preprocessor=dict(
        type='S2IClsDataPreprocessor',
        size=(224, 224),  # resizes S2I grids (resize_on_device)
        mean=[0.485, 0.456, 0.406],
        std=[0.229, 0.224, 0.225],
        to_rgb=False),
    backbone=dict(
        type='VisionTransformer',
        arch='base',
        img_size=224,
        patch_size=16,
        init_cfg=dict(type='Pretrained', checkpoint='', prefix='backbone.')),
    head=dict(
        type='LinearClsHead',
        num_classes=60,
        in_channels=768,
        topk=(1, 5)))
