"""The tiny models the tests build, from one definition
(``tests/fixtures/configs/_base_/tiny_vit.py``, which the fixture configs
run by the tools inherit too)."""
import os.path as osp

from mmengine.config import Config

from s2i_testing import FIXTURES

_TINY = Config.fromfile(osp.join(FIXTURES, 'configs', '_base_',
                                 'tiny_vit.py'))
TINY_ARCH = _TINY.tiny_arch.to_dict()
IMG_SIZE, PATCH_SIZE = _TINY.img_size, _TINY.patch_size


def tiny_vit_cfg(**kwargs) -> dict:
    """mmpretrain ``VisionTransformer`` config of the tiny ViT."""
    return dict(type='VisionTransformer', arch=TINY_ARCH, img_size=IMG_SIZE,
                patch_size=PATCH_SIZE, **kwargs)


def tiny_mae_cfg(img_size=(IMG_SIZE, IMG_SIZE), patch_size=PATCH_SIZE,
                 **backbone_kwargs) -> dict:
    """Config of an ``S2IMAE`` on the tiny ViT whose parts agree."""
    grid = (img_size[0] // patch_size, img_size[1] // patch_size)
    return dict(
        type='S2IMAE',
        backbone=dict(
            type='S2IMAEViT',
            arch=TINY_ARCH,
            img_size=img_size,
            patch_size=patch_size,
            **backbone_kwargs),
        neck=dict(
            type='S2IMAEPretrainDecoder',
            patch_resolution=grid,
            patch_size=patch_size,
            embed_dim=TINY_ARCH['embed_dims'],
            decoder_embed_dim=16,
            decoder_depth=1,
            decoder_num_heads=2),
        head=dict(
            type='S2IMAEPretrainHead',
            norm_pix=True,
            patch_size=patch_size,
            loss=dict(type='PixelReconstructionLoss', criterion='L2')))


def tiny_diffmae_cfg(img_size=(32, 32), patch_size=8, variant='cross_self',
                     **kwargs):
    """Config of a 2-layer S2IDiffMAE with a 2-block decoder.

    ``kwargs`` go to the model (``prediction``, ``diffusion``), the decoder
    (``connection``, ``decoder_depth``) or the backbone (anything else).
    """
    model_keys = {k: kwargs.pop(k) for k in ('prediction', 'diffusion')
                  if k in kwargs}
    neck_keys = {k: kwargs.pop(k) for k in ('connection', 'decoder_depth')
                 if k in kwargs}
    cfg = tiny_mae_cfg(img_size, patch_size, **kwargs)
    cfg.update(type='S2IDiffMAE', **model_keys)
    cfg['neck'] = dict(
        type='S2IDiffMAEDecoder',
        variant=variant,
        patch_resolution=cfg['neck']['patch_resolution'],
        patch_size=patch_size,
        embed_dim=TINY_ARCH['embed_dims'],
        decoder_embed_dim=16,
        decoder_depth=2,
        decoder_num_heads=2)
    cfg['neck'].update(neck_keys)
    return cfg
