"""Tiny model configs shared by the model tests."""
import pytest

import s2i_mm

TINY_ARCH = dict(
    embed_dims=32, num_layers=2, num_heads=2, feedforward_channels=64)


def tiny_mae_cfg(img_size=(32, 32), patch_size=8, **backbone_kwargs):
    """Config of a 2-layer S2IMAE whose parts agree."""
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
            embed_dim=32,
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


@pytest.fixture(scope='session', autouse=True)
def _s2i_scope():
    s2i_mm.register_all_modules()


@pytest.fixture
def mae_cfg():
    return tiny_mae_cfg


@pytest.fixture
def diffmae_cfg():
    return tiny_diffmae_cfg
