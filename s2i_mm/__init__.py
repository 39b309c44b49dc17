"""s2i_mm: Skeleton-to-Image Encoding (S2I) as an OpenMMLab plugin.

Importing it is light (no torch): the upstream fixes of :mod:`.compat`
apply when modules are registered and when a runner is built.
"""
from .utils import register_all_modules
from .version import __version__

__all__ = ['__version__', 'register_all_modules']
