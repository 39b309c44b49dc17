"""How a data file records its skeleton format, and how the format of a file
is resolved: one rule for datasets (cached or not), packed stores, the data
tools and the inference API.

A reference is a format *name* or a *spec path*. The user may *give* one
(config, ``--skeleton-format``, ``format=``; read from the working
directory, a ``.py`` spec allowed) and the file may *record* one (read from
the file's folder, never a ``.py``, never outside that folder). Each side is
looked up once, then :data:`RULES` decides. The reasons and examples are in
``docs/formats.md`` ("How a data file records its layout").
"""
import os.path as osp
import warnings
from typing import Callable, Dict, NamedTuple, Optional, Tuple

from .format_registry import (
    DATA_SPEC_EXTENSIONS,
    SPEC_EXTENSIONS,
    get_format,
    list_formats,
    load_format_spec,
    register_format,
)
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


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` lies below ``folder``, also after symlinks."""
    for p, f in ((path, folder), (osp.realpath(path), osp.realpath(folder))):
        if osp.commonpath([p, f]) != f:
            return False
    return True


class Side(NamedTuple):
    """One reference, looked up.

    ``kind`` is ``'none'`` (no reference), ``'format'`` (it resolved to
    ``fmt``), ``'unknown'`` (a name nothing registered) or ``'bad'`` (a
    spec that cannot be used: missing, unreadable, invalid, or, when
    recorded, Python or outside the file's folder; ``why`` says which).
    """
    kind: str
    reference: object = None
    fmt: Optional[SkeletonFormat] = None
    why: str = ''
    path: Optional[str] = None


_NUL = 'a path cannot hold a NUL character; it was not read'


def _given_side(given) -> Side:
    if given is None:
        return Side('none')
    if not isinstance(given, str):  # a SkeletonFormat or an inline dict
        return Side('format', given, get_format(given))
    if not is_spec_path(given):
        return _name_side(given)
    if '\x00' in given:
        return Side('bad', given, why=_NUL)
    path = _spec_path(given, None)
    return _spec_side(given, path, allow_python=True)


def _recorded_side(recorded, recorded_in: Optional[str]) -> Side:
    if recorded is None:
        return Side('none')
    if not isinstance(recorded, str):
        raise SkeletonFormatError(
            'the file\'s skeleton_format must be a string (a format name '
            f'or a spec path), got {type(recorded).__name__} {recorded!r:.60}')
    if not is_spec_path(recorded):
        return _name_side(recorded)
    if '\x00' in recorded:
        return Side('bad', recorded, why=_NUL)
    folder = (osp.dirname(osp.abspath(recorded_in.rstrip('/')))
              if recorded_in is not None else osp.abspath('.'))
    path = _spec_path(recorded, folder)
    if osp.isabs(osp.expanduser(recorded)) or not _inside(path, folder):
        return Side('bad', recorded, why=(
            'a recorded spec path must stay inside the data file\'s folder '
            f'({folder}); it was not read'), path=path)
    if not recorded.lower().endswith(DATA_SPEC_EXTENSIONS):
        return Side('bad', recorded, why=(
            'a Python spec runs only when you name it yourself, never '
            'because a data file records it; it was not run'), path=path)
    return _spec_side(recorded, path, allow_python=False)


def _name_side(name: str) -> Side:
    try:
        return Side('format', name, get_format(name))
    except SkeletonFormatError:
        return Side('unknown', name)


def _spec_side(reference: str, path: str, allow_python: bool) -> Side:
    try:
        return Side('format', reference,
                    load_format_spec(path, register=False,
                                     allow_python=allow_python),
                    path=path)
    except (SkeletonFormatError, FileNotFoundError) as err:
        return Side('bad', reference, why=str(err).strip('"'), path=path)


# ---------------------------------------------------------------------------
# the rule: (given kind, recorded kind) -> outcome
# ---------------------------------------------------------------------------
def _neither(given: Side, recorded: Side) -> SkeletonFormat:
    raise SkeletonFormatError(
        'no skeleton format: the file records none and none was given')


def _the_recorded(given: Side, recorded: Side) -> SkeletonFormat:
    return recorded.fmt


def _the_given(given: Side, recorded: Side) -> SkeletonFormat:
    return given.fmt


def _both_formats(given: Side, recorded: Side) -> SkeletonFormat:
    if given.fmt != recorded.fmt:
        raise SkeletonFormatError(
            f'the file holds {recorded.reference!r} skeletons '
            f'({recorded.fmt!r}) but {given.reference!r} was given '
            f'({given.fmt!r}), a different layout')
    return given.fmt


def _given_over_unknown_recorded(given: Side,
                                 recorded: Side) -> SkeletonFormat:
    # a name only a spec defines agrees with a spec whose format has it
    if recorded.reference == given.fmt.name:
        return given.fmt
    raise SkeletonFormatError(
        f'the file holds {recorded.reference!r} skeletons but '
        f'{given.reference!r} was given: the recorded name '
        f'{recorded.reference!r} is not registered and differs from '
        f'{given.fmt.name!r}')


def _recorded_over_unknown_given(given: Side,
                                 recorded: Side) -> SkeletonFormat:
    if given.reference == recorded.fmt.name:
        return recorded.fmt
    raise SkeletonFormatError(
        f'the file holds {recorded.reference!r} skeletons but '
        f'{given.reference!r} was given: the given name '
        f'{given.reference!r} is not registered and differs from '
        f'{recorded.fmt.name!r}')


def _given_over_bad_recorded(given: Side, recorded: Side) -> SkeletonFormat:
    # a recorded spec that cannot be used (moved, another machine, Python,
    # outside the folder) gives way to the layout the user gives; the
    # samples are still checked against it
    if None in (given.path, recorded.path) or osp.realpath(
            given.path) != osp.realpath(recorded.path):
        warnings.warn(f'the file records the skeleton format spec '
                      f'{recorded.reference!r}: {recorded.why}; using the '
                      f'given {given.fmt.name!r}')
    return given.fmt


def _unknown(side: Side, where: str) -> SkeletonFormatError:
    return SkeletonFormatError(
        f'unknown skeleton format {side.reference!r} {where}: no format of '
        f'that name is registered in this process (registered: '
        f'{", ".join(list_formats())}); {UNKNOWN_NAME_HINT}')


def _bad(side: Side, where: str) -> SkeletonFormatError:
    return SkeletonFormatError(
        f'skeleton format spec {side.reference!r} {where}: {side.why}')


def _unknown_given(given: Side, recorded: Side) -> SkeletonFormat:
    raise _unknown(given, 'given')


def _unknown_recorded(given: Side, recorded: Side) -> SkeletonFormat:
    raise _unknown(recorded, 'recorded in the file')


def _neither_resolves(given: Side, recorded: Side) -> SkeletonFormat:
    why = recorded.why or 'not registered'
    raise SkeletonFormatError(
        f'neither the given skeleton format {given.reference!r} (not '
        f'registered) nor the recorded {recorded.reference!r} ({why}) '
        f'resolves; {UNKNOWN_NAME_HINT}')


def _bad_given(given: Side, recorded: Side) -> SkeletonFormat:
    raise _bad(given, 'given')


def _bad_recorded(given: Side, recorded: Side) -> SkeletonFormat:
    raise SkeletonFormatError(
        f'{_bad(recorded, "recorded in the file")}; give the layout '
        f'yourself: {UNKNOWN_NAME_HINT}')


Rule = Callable[[Side, Side], SkeletonFormat]
#: (given kind, recorded kind) -> what decides; a given spec that cannot
#: be used is always an error.
RULES: Dict[Tuple[str, str], Rule] = {
    ('none', 'none'): _neither,
    ('none', 'format'): _the_recorded,
    ('none', 'unknown'): _unknown_recorded,
    ('none', 'bad'): _bad_recorded,
    ('format', 'none'): _the_given,
    ('format', 'format'): _both_formats,
    ('format', 'unknown'): _given_over_unknown_recorded,
    ('format', 'bad'): _given_over_bad_recorded,
    ('unknown', 'none'): _unknown_given,
    ('unknown', 'format'): _recorded_over_unknown_given,
    ('unknown', 'unknown'): _neither_resolves,
    ('unknown', 'bad'): _neither_resolves,
    **{('bad', kind): _bad_given
       for kind in ('none', 'format', 'unknown', 'bad')},
}


def resolve_format_reference(given: Optional[str],
                             recorded: Optional[str],
                             recorded_in: Optional[str] = None
                             ) -> SkeletonFormat:
    """The layout named by a given and a recorded reference (:data:`RULES`).

    Args:
        given (str, optional): The reference the user gave (config, CLI,
            API argument); a relative spec path is read from the working
            directory, a ``.py`` spec may run. A :class:`SkeletonFormat` or
            inline dict is taken as it is.
        recorded (str, optional): The reference a file records: a name, or
            a YAML/JSON spec path inside the file's folder.
        recorded_in (str, optional): That file (a pkl or a store
            directory): a relative recorded spec path is read from its
            folder and must stay in it.

    Returns:
        SkeletonFormat: The layout, registered under its name.

    Raises:
        SkeletonFormatError: Neither reference given, one that cannot be
            resolved (a name nothing registered, a spec that cannot be
            used and nothing given in its place), or two that name
            different layouts. The message says which reference is which.
    """
    given_side = _given_side(given)
    recorded_side = _recorded_side(recorded, recorded_in)
    fmt = RULES[given_side.kind, recorded_side.kind](given_side,
                                                     recorded_side)
    try:  # every sample carries the name: it must find this layout
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
        str: A YAML/JSON spec path relative to the folder of
        ``written_file`` when the spec lies in it (the two move together),
        else the format's name (a reader gives the spec or imports the
        module that registers it: a data file never records a ``.py`` spec
        or a path outside its folder).
    """
    if isinstance(reference, SkeletonFormat):
        return reference.name
    if not isinstance(reference, str):  # an inline spec dict
        return str(reference['name'])
    if not is_spec_path(reference):
        return reference
    spec = _spec_path(reference, None)
    folder = osp.dirname(osp.abspath(written_file.rstrip('/')))
    if (reference.lower().endswith(DATA_SPEC_EXTENSIONS)
            and _inside(spec, folder)):
        return osp.relpath(spec, folder)
    return get_format(spec).name


def rebase_format_reference(reference: Optional[str], from_file: str,
                            to_file: str) -> Optional[str]:
    """What ``to_file`` should record for the reference ``from_file``
    records (a packed store made from a pkl, a pkl's store copy).

    Args:
        reference (str, optional): The reference ``from_file`` records.
        from_file (str): The file that records it.
        to_file (str): The file (or store directory) being written.

    Returns:
        str | None: A name (or None) as it is; a recorded spec path as
        :func:`record_format_reference` records it for ``to_file`` (the
        reference is resolved by the rule first, so an unusable one
        raises).
    """
    if reference is None or not is_spec_path(reference):
        return reference
    folder = osp.dirname(osp.abspath(from_file.rstrip('/')))
    resolve_format_reference(None, reference, from_file)
    return record_format_reference(_spec_path(reference, folder), to_file)
