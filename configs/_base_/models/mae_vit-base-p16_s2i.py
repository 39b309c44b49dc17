# MAE ViT-B/16 on 224 x 224 S2I images, initialised from mmpretrain's
# ImageNet-1k MAE pretraining (the paper starts from ImageNet MAE weights:
# about +5 linear-probe points). The weights URL is mmpretrain's published
# `mae_vit-base-p16_8xb512-amp-coslr-1600e_in1k` checkpoint; set
# `model.init_cfg=None` to start from scratch, or give a local path
# (tools/convert_weights.py converts the official MAE / timm releases).
imagenet_mae_vit_b16 = (
    'https://download.openmmlab.com/mmselfsup/1.x/mae/'
    'mae_vit-base-p16_8xb512-fp16-coslr-1600e_in1k/'
    'mae_vit-base-p16_8xb512-fp16-coslr-1600e_in1k_20220825-f7569ca2.pth')

# S2I images are in [0, 1]; ImageNet statistics on that scale keep the
# inputs where the ImageNet-pretrained weights expect them.
s2i_mean = [0.485, 0.456, 0.406]
s2i_std = [0.229, 0.224, 0.225]

model = dict(
    type='S2IMAE',
    data_preprocessor=dict(
        type='S2ISelfSupDataPreprocessor',
        size=(224, 224),  # resizes S2I grids (resize_on_device)
        mean=s2i_mean,
        std=s2i_std,
        to_rgb=False),
    backbone=dict(
        type='S2IMAEViT',
        arch='b',
        img_size=224,
        patch_size=16,
        mask_strategy='random',  # or 'block' | 'joint' | 'temporal' | 'motion_tube'
        mask_ratio=0.75),  # the paper's best ratio
    neck=dict(
        type='S2IMAEPretrainDecoder',
        num_patches=196,
        patch_size=16,
        in_chans=3,
        embed_dim=768,
        decoder_embed_dim=512,
        decoder_depth=8,
        decoder_num_heads=16,
        mlp_ratio=4.),
    head=dict(
        type='S2IMAEPretrainHead',
        norm_pix=True,
        patch_size=16,
        loss=dict(type='PixelReconstructionLoss', criterion='L2')),
    init_cfg=dict(type='Pretrained', checkpoint=imagenet_mae_vit_b16))
