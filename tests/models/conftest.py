"""Tiny model configs shared by the model tests (see tests/tiny_models.py)."""
import pytest

import s2i_mm

from tiny_models import TINY_ARCH, tiny_mae_cfg  # noqa: F401 (shared names)


@pytest.fixture(scope='session', autouse=True)
def _s2i_scope():
    s2i_mm.register_all_modules()


@pytest.fixture
def mae_cfg():
    return tiny_mae_cfg
