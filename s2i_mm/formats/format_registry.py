"""The ``FORMATS`` registry and the public accessor :func:`get_format`.

``FORMATS`` is an mmengine registry (scope ``s2i_mm``) whose records are
:class:`SkeletonFormat` instances: a layout is data. Layouts are added by
:func:`register_format` in a plugin module, by a spec file
(:func:`load_format_spec`) or by an inline dict; see docs/formats.md,
"Adding a layout without editing s2i_mm".
"""
import json
import os
import os.path as osp
from typing import Dict, Union

import yaml
from mmengine.config import Config, ConfigDict
from mmengine.registry import Registry

from .skeleton_format import SkeletonFormat, SkeletonFormatError

__all__ = [
    'DATA_SPEC_EXTENSIONS', 'FORMATS', 'FormatRegistry', 'get_format',
    'list_formats', 'load_format_spec', 'register_format', 'SPEC_EXTENSIONS'
]

#: File name endings read as format spec files.
SPEC_EXTENSIONS = ('.py', '.yaml', '.yml', '.json')
#: Spec files that are data (parsed, never run); ``.py`` specs are code.
DATA_SPEC_EXTENSIONS = ('.yaml', '.yml', '.json')


class FormatRegistry(Registry):
    """A registry whose records are :class:`SkeletonFormat` instances.

    ``register_module(module=fmt)`` registers ``fmt`` under ``fmt.name``
    (or the given ``name``). Registering a different format under a taken
    name raises unless ``force=True``; registering an equal one again is a
    no-op, so a module or spec file may be loaded twice.
    """

    def _register_module(self, module, module_name=None, force=False):
        if not isinstance(module, SkeletonFormat):
            raise TypeError(
                'The FORMATS registry holds SkeletonFormat instances, got '
                f'{type(module).__name__}; build one with '
                's2i_mm.formats.SkeletonFormat(name=..., joint_names=..., '
                'parents=..., parts=...).')
        names = module_name or module.name
        names = [names] if isinstance(names, str) else list(names)
        for name in names:
            existing = self._module_dict.get(name)
            if existing is not None and not force and existing != module:
                raise KeyError(
                    f'Skeleton format {name!r} is already registered with '
                    'a different definition; pick another name or pass '
                    'force=True.')
            self._module_dict[name] = module


FORMATS = FormatRegistry('skeleton format', locations=['s2i_mm.formats'])

_SPEC_CACHE: Dict[tuple, SkeletonFormat] = {}


def register_format(fmt: SkeletonFormat,
                    force: bool = False) -> SkeletonFormat:
    """Register a format in :data:`FORMATS` under ``fmt.name``.

    Args:
        fmt (SkeletonFormat): The layout (validated at construction).
        force (bool): Replace a different format of the same name.
            Defaults to False.

    Returns:
        SkeletonFormat: ``fmt``, so a module can write
        ``MY_FORMAT = register_format(SkeletonFormat(...))``.
    """
    FORMATS.register_module(module=fmt, force=force)
    return fmt


def load_format_spec(path: str, register: bool = True,
                     allow_python: bool = True) -> SkeletonFormat:
    """Read a format spec file and build (and register) the format.

    The file holds the keyword arguments of :class:`SkeletonFormat` at top
    level (``name``, ``joint_names``, ``parents``, ``parts`` and optionally
    ``channels``, ``s2i_order``, ``source``); parents and ``s2i_order`` may
    name joints instead of indexing them. YAML (safe loader) and JSON are
    parsed as data: no Python tags, no ``_base_``, no includes. A ``.py``
    spec is executed (:meth:`mmengine.Config.fromfile`), so it is read only
    with ``allow_python=True``: when the user named it, never because a
    data file records it.

    Args:
        path (str): A ``.py``, ``.yaml``/``.yml`` or ``.json`` file.
        register (bool): Register the format in :data:`FORMATS`.
            Defaults to True.
        allow_python (bool): Whether a ``.py`` spec may be run.
            Defaults to True.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        SkeletonFormatError: If the file cannot be read as a spec, is a
            ``.py`` spec and ``allow_python`` is False, or the format is
            inconsistent; the message names the file.
    """
    path = osp.abspath(osp.expanduser(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'Skeleton format spec {path} not found.')
    is_python = not path.lower().endswith(DATA_SPEC_EXTENSIONS)
    if is_python and not allow_python:
        raise SkeletonFormatError(
            f'Skeleton format spec {path} is Python, which s2i_mm runs only '
            'when you name it yourself')
    stat = os.stat(path)
    key = (path, stat.st_mtime_ns, stat.st_size)  # an edited spec is new
    if key in _SPEC_CACHE:
        return _SPEC_CACHE[key]
    try:
        spec = (Config.fromfile(path).to_dict()
                if is_python else _parse_data_spec(path))
    except Exception as err:
        raise SkeletonFormatError(
            f'Cannot read skeleton format spec {path}: {err}') from err
    fmt = _format_from_dict(spec, origin=path)
    if register:
        register_format(fmt)
    _SPEC_CACHE[key] = fmt
    return fmt


def _parse_data_spec(path: str) -> dict:
    """A YAML or JSON spec file as a plain mapping (parsed, never run)."""
    with open(path, encoding='utf-8') as f:
        if path.lower().endswith('.json'):
            spec = json.load(f)
        else:
            spec = yaml.safe_load(f)
    if not isinstance(spec, dict):
        raise SkeletonFormatError(
            f'expected a mapping at top level, got {type(spec).__name__}')
    return spec


def _format_from_dict(spec: dict, origin: str) -> SkeletonFormat:
    allowed = {
        'name', 'joint_names', 'parents', 'parts', 'channels', 's2i_order',
        'source'
    }
    unknown = sorted(set(spec) - allowed)
    missing = sorted({'name', 'joint_names', 'parents', 'parts'} - set(spec))
    if unknown or missing:
        raise SkeletonFormatError(
            f'Skeleton format spec {origin}: unknown keys {unknown}, missing '
            f'keys {missing}; expected keys {sorted(allowed)}.')
    try:
        return SkeletonFormat(**spec)
    except SkeletonFormatError as err:
        raise SkeletonFormatError(f'{origin}: {err}') from None


def list_formats() -> list:
    """Names of the registered formats (built-ins and plugins)."""
    FORMATS.import_from_location()
    return sorted(FORMATS.module_dict)


def get_format(
        name: Union[str, dict, SkeletonFormat]) -> SkeletonFormat:
    """Return a skeleton format.

    Args:
        name (str | dict | SkeletonFormat): A registered name (``'ntu25'``),
            a spec file path (ending in one of :data:`SPEC_EXTENSIONS`), an
            inline spec dict, or a format (returned as is).

    Returns:
        SkeletonFormat: The format.

    Raises:
        SkeletonFormatError: If the name is not registered (the message
            lists the registered ones) or a spec is invalid.
    """
    if isinstance(name, SkeletonFormat):
        return name
    if isinstance(name, (dict, ConfigDict)):
        return _format_from_dict(dict(name), origin='inline spec')
    if not isinstance(name, str):
        raise SkeletonFormatError(
            'A skeleton format is given by name, spec file path, spec dict '
            f'or SkeletonFormat, got {type(name).__name__}.')
    if name.lower().endswith(SPEC_EXTENSIONS):
        return load_format_spec(name)
    try:
        fmt = FORMATS.get(name)  # also resolves 'scope.name'
    except Exception:  # an unknown scope prefix
        fmt = None
    if fmt is None:
        raise SkeletonFormatError(
            f'Unknown skeleton format {name!r}. Registered formats: '
            f'{list_formats()}. Register a new one with '
            's2i_mm.formats.register_format (loaded via custom_imports) or '
            f'pass a spec file ({", ".join(SPEC_EXTENSIONS)}).')
    return fmt
