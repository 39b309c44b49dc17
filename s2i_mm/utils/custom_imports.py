"""``--custom-imports`` for the tools that read data without a config: the
``custom_imports`` of a config (plugins registering formats, transforms)."""
import argparse
from typing import Sequence

__all__ = ['add_custom_imports_arg', 'import_custom_modules']


def add_custom_imports_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--custom-imports``, the ``custom_imports`` of a config for the
    tools that read data without one."""
    parser.add_argument(
        '--custom-imports', nargs='+', metavar='MODULE', default=[],
        help='import these modules first, as custom_imports in a config '
        'does (plugins that register skeleton formats, transforms, ...); '
        'they must be importable (e.g. PYTHONPATH=.)')


def import_custom_modules(modules: Sequence[str]) -> None:
    """Import ``--custom-imports`` modules as mmengine's ``custom_imports``
    does (``mmengine.utils.import_modules_from_strings``)."""
    if modules:
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(list(modules))
