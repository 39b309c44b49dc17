"""Tiny model configs shared by the model tests (see tests/tiny_models.py)."""
import pytest

import s2i_mm

from tiny_models import tiny_diffmae_cfg, tiny_mae_cfg


@pytest.fixture(scope='session', autouse=True)
def _s2i_scope():
    s2i_mm.register_all_modules()


@pytest.fixture
def mae_cfg():
    return tiny_mae_cfg


@pytest.fixture
def diffmae_cfg():
    return tiny_diffmae_cfg
