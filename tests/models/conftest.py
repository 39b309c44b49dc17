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


@pytest.fixture(scope='session', autouse=True)
def _s2i_scope():
    s2i_mm.register_all_modules()


@pytest.fixture
def mae_cfg():
    return tiny_mae_cfg
