"""The project plugins register their modules in s2i_mm's registries when
imported, as ``custom_imports`` does in a config."""
import pytest

import s2i_mm


@pytest.fixture(scope='session', autouse=True)
def _s2i_scope_with_projects():
    s2i_mm.register_all_modules()
    import projects.skeleton2vec.models  # noqa: F401
    import projects.skeletonmae.models  # noqa: F401
