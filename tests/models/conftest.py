"""Tiny model configs shared by the model tests (see tests/tiny_models.py)."""
import pytest

import s2i_mm

from tiny_models import TINY_ARCH, tiny_mae_cfg  # noqa: F401 (shared names)


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
