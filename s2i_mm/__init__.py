"""s2i_mm: Skeleton-to-Image Encoding (S2I) as an OpenMMLab plugin."""
from . import compat

compat.apply()

from .utils import register_all_modules  # noqa: E402
from .version import __version__  # noqa: E402

__all__ = ['__version__', 'register_all_modules']
