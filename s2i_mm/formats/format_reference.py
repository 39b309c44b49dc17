"""How a skeleton format is recorded in a data file and resolved.

One rule, applied by ``SkeletonDataset`` (cached or not), the data tools
(``tools/visualize_s2i.py``, ``tools/data/pack.py``, the converters), the
inference API and the dataset cache key.

A **format reference** is one string:

* a *name*: a built-in (``'ntu25'``), one registered by a plugin module
  (``custom_imports`` in a config, ``--custom-imports`` for the tools), or
  one registered in this process by loading its spec file;
* a *spec path*: a file ending in ``.py``, ``.yaml``/``.yml`` or
  ``.json`` (see :func:`~.format_registry.load_format_spec`).

Two references can name the layout of a file: the one the user *gives*
(``skeleton_format=`` in a dataset config, a tool's ``--skeleton-format``,
``format=`` of the inference API), read relative to the working directory,
and the one the file *records* (its top-level ``'skeleton_format'`` key),
a relative spec path there being read relative to the file's directory, so
a dataset folder holding its pkl and its spec can move as a whole.

1. At least one of the two is needed.
2. If both are there they must name the same layout: both are resolved
   and their definitions compared. A name that nothing registered in this
   process agrees with a spec whose format carries that name: the spec
   defines it (a pkl recording ``'msr20'`` is read with
   ``skeleton_format='formats/msr20.yaml'``, a pkl recording the spec path
   with ``skeleton_format='msr20'`` or with nothing).
3. The resolved layout is registered under its name (loading a spec does
   that), so every sample carries the name and every later lookup of it,
   in this process and in forked DataLoader workers, finds it. Caches are
   keyed by the layout's definition, not by its name.

A recorded spec path that no longer exists (moved, another machine) gives
way, with a warning, to a layout the user gives; without one it is an
error.

Writers record what the user named (:func:`record_format_reference`): a
name as it is (a :class:`SkeletonFormat` or inline dict by its name, so
readers need it registered), a spec path relative to the written file's
directory when the spec lies below it, else absolute.
"""
import os.path as osp
import warnings
from typing import Optional

from .format_registry import SPEC_EXTENSIONS, get_format, list_formats
from .skeleton_format import SkeletonFormat, SkeletonFormatError

__all__ = [
    'is_spec_path', 'rebase_format_reference', 'record_format_reference',
    'resolve_format_reference'
]

#: How to name a layout nothing registered, for error messages.
UNKNOWN_NAME_HINT = (
    'name its spec file (skeleton_format=PATH in the dataset config, '
    '--skeleton-format PATH for the tools, format=PATH for the inference '
    'API) or import the module that registers it (custom_imports in the '
    'config, --custom-imports for the tools)')


def is_spec_path(reference: str) -> bool:
    """Whether a format reference names a spec file (by its ending)."""
    return reference.lower().endswith(SPEC_EXTENSIONS)


def _spec_path(reference: str, base_dir: Optional[str]) -> str:
    path = osp.expanduser(reference)
    if base_dir is not None and not osp.isabs(path):
        path = osp.join(base_dir, path)
    return osp.abspath(path)


def _lookup(reference: str, base_dir: Optional[str]) -> SkeletonFormat:
    if is_spec_path(reference):
        return get_format(_spec_path(reference, base_dir))
    return get_format(reference)


def _try_lookup(reference, base_dir):
    """``(format, None)`` or ``(None, the reason it does not resolve)``."""
    if reference is None:
        return None, None
    try:
        return _lookup(reference, base_dir), None
    except (SkeletonFormatError, FileNotFoundError, KeyError) as err:
        return None, err


def resolve_format_reference(given: Optional[str],
                             recorded: Optional[str],
                             recorded_in: Optional[str] = None
                             ) -> SkeletonFormat:
    """The layout named by a given and a recorded reference (module rule).

    Args:
        given (str, optional): The reference the user gave (config, CLI,
            API argument); a relative spec path is read from the working
            directory. A :class:`SkeletonFormat` or inline dict is taken
            as it is.
        recorded (str, optional): The reference a file records.
        recorded_in (str, optional): That file (a pkl or a store
            directory): a relative recorded spec path is read from its
            directory.

    Returns:
        SkeletonFormat: The layout, registered under its name.

    Raises:
        SkeletonFormatError: Neither reference given, one that cannot be
            resolved (a name nothing registered, a missing or invalid spec
            file), or two that name different layouts. The message says
            which reference is which.
    """
    if given is None and recorded is None:
        raise SkeletonFormatError(
            'no skeleton format: the file records none and none was given')
    if recorded is not None and not isinstance(recorded, str):
        raise SkeletonFormatError(
            'the file\'s skeleton_format must be a string (a format name '
            f'or a spec path), got {type(recorded).__name__} {recorded!r:.60}')
    base_dir = (None if recorded_in is None else
                osp.dirname(osp.abspath(recorded_in.rstrip('/'))))
    if given is not None and not isinstance(given, str):
        given_fmt, given_err = get_format(given), None
    else:
        given_fmt, given_err = _try_lookup(given, None)
    recorded_fmt, recorded_err = _try_lookup(recorded, base_dir)
    if given_fmt is not None and recorded_fmt is not None:
        if given_fmt != recorded_fmt:
            raise SkeletonFormatError(
                f'the file holds {recorded!r} skeletons ({recorded_fmt!r}) '
                f'but {given!r} was given ({given_fmt!r}), a different '
                'layout')
        return _registered(given_fmt)
    if (given_fmt is not None and isinstance(recorded_err, FileNotFoundError)
            and is_spec_path(recorded)):
        # the recorded spec was moved or lives on another machine: the
        # layout the user gives decides (the samples are still checked
        # against it)
        warnings.warn(f'the file records the skeleton format spec '
                      f'{recorded!r}, which does not exist ({recorded_err}); '
                      f'using the given {given_fmt.name!r}')
        return _registered(given_fmt)
    fmt = given_fmt or recorded_fmt
    if fmt is not None:
        # the other one, if present, could not be resolved
        other, err, which = ((recorded, recorded_err, 'recorded')
                             if given_fmt is not None else
                             (given, given_err, 'given'))
        if other is None or (not is_spec_path(other) and other == fmt.name):
            return _registered(fmt)
        if is_spec_path(other):
            raise SkeletonFormatError(
                f'{which} skeleton format {other!r}: {err}')
        raise SkeletonFormatError(
            f'the file holds {recorded!r} skeletons but {given!r} was '
            f'given: the {which} name {other!r} is not registered and '
            f'differs from {fmt.name!r}')
    if given_err is not None and recorded_err is not None:
        raise SkeletonFormatError(
            f'neither the given skeleton format {given!r} ({given_err}) '
            f'nor the recorded {recorded!r} ({recorded_err}) resolves')
    reference, err, where = ((given, given_err, 'given') if given is not None
                             else (recorded, recorded_err,
                                   'recorded in the file'))
    if is_spec_path(reference):
        raise SkeletonFormatError(f'skeleton format spec {reference!r} '
                                  f'{where}: {err}')
    raise SkeletonFormatError(
        f'unknown skeleton format {reference!r} {where}: no format of that '
        f'name is registered in this process (registered: '
        f'{", ".join(list_formats())}); {UNKNOWN_NAME_HINT}')


def _registered(fmt: SkeletonFormat) -> SkeletonFormat:
    """``fmt``, registered under its name (a no-op when it already is)."""
    from .format_registry import register_format
    try:
        return register_format(fmt)
    except KeyError as err:  # another layout holds the name
        raise SkeletonFormatError(str(err).strip('"')) from None


def record_format_reference(reference, written_file: str) -> str:
    """What a data file should record for a format the user named.

    Args:
        reference (str | SkeletonFormat | dict): The user's reference (a
            name or a spec path, relative to the working directory), or a
            layout built in Python (recorded by its name).
        written_file (str): The annotation file (or store) being written.

    Returns:
        str: A name as it is; a spec path relative to the directory of
        ``written_file`` when the spec lies below it (the two can move
        together), else absolute.
    """
    if isinstance(reference, SkeletonFormat):
        return reference.name
    if not isinstance(reference, str):  # an inline spec dict
        return str(reference['name'])
    if not is_spec_path(reference):
        return reference
    spec = _spec_path(reference, None)
    folder = osp.dirname(osp.abspath(written_file.rstrip('/')))
    relative = osp.relpath(spec, folder)
    if relative.startswith(osp.pardir):
        return spec
    return relative


def rebase_format_reference(reference: Optional[str], from_file: str,
                            to_file: str) -> Optional[str]:
    """What ``to_file`` should record for the reference ``from_file``
    records (a packed store made from a pkl, a pkl's store copy).

    Args:
        reference (str, optional): The reference ``from_file`` records.
        from_file (str): The file that records it.
        to_file (str): The file (or store directory) being written.

    Returns:
        str | None: A name (or None) as it is; a spec path, read relative
        to ``from_file``, recorded for ``to_file`` as
        :func:`record_format_reference` does.
    """
    if reference is None or not is_spec_path(reference):
        return reference
    folder = osp.dirname(osp.abspath(from_file.rstrip('/')))
    return record_format_reference(_spec_path(reference, folder), to_file)
