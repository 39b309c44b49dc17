"""Packages whose public names are imported from their modules on first
use, so that importing the package costs nothing."""
import importlib
from typing import Any, Callable, Dict

__all__ = ['lazy_exports']


def lazy_exports(package: str, exports: Dict[str, str]) -> Callable[[str],
                                                                     Any]:
    """A module-level ``__getattr__`` for ``package``.

    Args:
        package (str): The package's ``__name__``.
        exports (dict): Public name -> the submodule (relative to
            ``package``) that defines it.

    Returns:
        callable: ``__getattr__(name)``, importing the submodule of a public
        name on first use; any other name raises ``AttributeError``.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(
                f'module {package!r} has no attribute {name!r}')
        module = importlib.import_module(f'{package}.{exports[name]}')
        return getattr(module, name)

    return __getattr__
