"""Your own skeleton sequences (``.npy`` / ``.csv``) -> annotation pkl.

Reads one file per sequence from a folder (``.npy`` arrays ``[T, V, C]`` /
``[M, T, V, C]``, or ``.csv`` with a ``<joint>.<channel>`` column per
joint and channel), names each sample by its relative path, and takes
labels and splits from :mod:`.labels`. Input rules and missing values:
see docs/converters.md, "Your own sequences".
"""
import csv
import functools
import io
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError, resolve_format
from s2i_mm.fileio.store import is_own_store

from .errors import MalformedInputError, is_number, read_text, to_float32
from .labels import convert_labelled_inputs

__all__ = [
    'MISSING_MODES', 'user_format', 'find_inputs', 'sample_name',
    'read_npy_sequence', 'read_csv_sequence', 'parse_sequence_file',
    'convert_generic'
]

#: What to do with an empty cell or NaN.
MISSING_MODES = ('error', 'zero')
SEQUENCE_EXTENSIONS = ('.npy', '.csv')


def user_format(reference: str):
    """The layout a converter's ``--format`` names (a registered name or a
    spec file relative to the working directory), registered.

    Raises:
        SkeletonDataError: An unknown name or a bad spec file.
    """
    return resolve_format(f'--format {reference!r}', reference, None,
                          '--format')


def sample_name(path: str, root: str) -> str:
    """A sample's name: ``path`` relative to ``root``, ``/``-separated,
    without the extension of a file."""
    name = osp.relpath(path, root)
    if not osp.isdir(path):
        name = osp.splitext(name)[0]
    return name.replace(os.sep, '/')


def find_inputs(input_dir: str, extensions: Sequence[str],
                skip: Sequence[str] = ()) -> List[Tuple[str, str]]:
    """``(path, sample name)`` of the files below ``input_dir`` whose
    extension (any case) is one of ``extensions``, sorted by name.

    Args:
        input_dir (str): The folder, searched recursively (symbolic links
            to folders are followed).
        extensions (Sequence[str]): E.g. ``('.npy', '.csv')``.
        skip (Sequence[str]): Files to leave out (the labels file).
            Packed stores s2i_mm wrote below ``input_dir`` are left out.

    Raises:
        FileNotFoundError: Not a folder, or no such file in it.
        SkeletonDataError: Two files with the same sample name (e.g.
            ``a.npy`` and ``a.csv``).
    """
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    skip = {osp.realpath(p) for p in skip}
    found: Dict[str, str] = {}
    for folder, dirs, files in os.walk(input_dir, followlinks=True):
        # a packed store (e.g. a --store written into INPUT) holds .npy
        # files that are not sequences
        dirs[:] = sorted(d for d in dirs
                         if not is_own_store(osp.join(folder, d)))
        for file in files:
            path = osp.join(folder, file)
            if (not file.lower().endswith(tuple(extensions))
                    or osp.realpath(path) in skip):
                continue
            name = sample_name(path, input_dir)
            if name in found:
                raise SkeletonDataError(
                    f'{found[name]} and {path} are both sample {name!r}; '
                    'keep one of them')
            found[name] = path
    if not found:
        raise FileNotFoundError(
            f'{input_dir}: no {" or ".join(extensions)} files found')
    return [(found[name], name) for name in sorted(found)]


def _zero_missing(path: str, values: np.ndarray, missing: str,
                  locate) -> np.ndarray:
    """Apply the missing-value rule to ``values`` ``[..., V, C]``
    (float64, NaN = missing); ``locate(index)`` gives the words and the
    line (or None) of a position, for the error."""
    def fail(mask, problem):
        words, line = locate(np.argwhere(mask)[0])
        raise MalformedInputError(path, f'{words}: {problem}', line)

    if np.isinf(values).any():
        fail(np.isinf(values), 'infinite value')
    nan = np.isnan(values)
    if nan.any():
        if missing != 'zero':
            fail(nan, 'missing value (empty or NaN); --missing zero sets '
                 'such joints to zero')
        values = np.where(nan.any(-1, keepdims=True), 0.0, values)
    return values


def _finite_float32(path: str, values: np.ndarray, locate) -> np.ndarray:
    keypoint = to_float32(values)
    if not np.isfinite(keypoint).all():
        words, line = locate(np.argwhere(~np.isfinite(keypoint))[0])
        raise MalformedInputError(path, f'{words}: value beyond float32',
                                  line)
    if not keypoint.any():
        raise MalformedInputError(
            path, 'every value is zero (all zero: no skeleton)')
    return keypoint


def read_npy_sequence(path: str, joint_names: Sequence[str],
                      channels: Sequence[str],
                      missing: str = 'error') -> np.ndarray:
    """Read one ``.npy`` sequence.

    Args:
        path (str): The file.
        joint_names (Sequence[str]): The format's joints (their count).
        channels (Sequence[str]): The format's channels (their count).
        missing (str): ``'error'`` or ``'zero'`` for NaN values.

    Returns:
        np.ndarray: float32 ``[M, T, V, C]``.

    Raises:
        MalformedInputError: Unreadable, truncated or pickled arrays, a
            non-numeric dtype, another shape, zero bodies or frames,
            NaN (with ``missing='error'``), inf, all zeros.
    """
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as err:
        if 'allow_pickle' in str(err):
            raise MalformedInputError(
                path, 'holds Python objects (a pickled object array); save '
                'a numeric array') from None
        raise MalformedInputError(
            path, f'not a readable .npy array (truncated or garbled: '
            f'{err})') from None
    except Exception as err:  # EOFError, OSError, UnpicklingError, ...
        raise MalformedInputError(
            path, f'not a readable .npy array ({type(err).__name__}: '
            f'{err})') from None
    if not isinstance(array, np.ndarray):
        raise MalformedInputError(
            path, f'holds a {type(array).__name__}, not one array')
    if array.dtype.kind not in 'fiu':
        raise MalformedInputError(
            path, f'dtype {array.dtype} is not a real number type')
    if array.ndim == 3:
        array = array[None]
    num_joints, num_channels = len(joint_names), len(channels)
    if array.ndim != 4:
        raise MalformedInputError(
            path, f'shape {array.shape}: expected [T, V, C] or '
            f'[M, T, V, C] with V = {num_joints}, C = {num_channels}')
    if array.shape[2:] != (num_joints, num_channels):
        raise MalformedInputError(
            path, f'shape {array.shape}: {array.shape[2]} joints x '
            f'{array.shape[3]} channels, the format has {num_joints} joints '
            f'x {num_channels} channels ({", ".join(channels)})')
    if 0 in array.shape[:2]:
        raise MalformedInputError(
            path, f'shape {array.shape}: zero bodies or zero frames')

    def locate(index):
        body, frame, joint = index[:3]
        return (f'body {body}, frame {frame}, joint {joint} '
                f'({joint_names[joint]})'), None

    values = _zero_missing(path, array.astype(np.float64), missing, locate)
    return _finite_float32(path, values, locate)


def _csv_columns(path: str, header: List[str], joint_names: Sequence[str],
                 channels: Sequence[str]) -> List[int]:
    """Position in ``header`` of every ``<joint>.<channel>`` column, in
    format order."""
    wanted = [f'{j}.{c}' for j in joint_names for c in channels]
    needed = set(wanted)
    position: Dict[str, int] = {}
    for i, column in enumerate(header):
        if column in position and column in needed:
            raise MalformedInputError(path, f'column {column!r} appears '
                                      'twice', 1)
        position.setdefault(column, i)
    absent = [c for c in wanted if c not in position]
    if absent:
        raise MalformedInputError(
            path, f'missing column(s) {", ".join(absent[:8])}'
            f'{f" and {len(absent) - 8} more" if len(absent) > 8 else ""}'
            f' (the format needs <joint>.<channel> for its '
            f'{len(joint_names)} joints and channels {", ".join(channels)})',
            1)
    return [position[c] for c in wanted]


def read_csv_sequence(path: str, joint_names: Sequence[str],
                      channels: Sequence[str],
                      missing: str = 'error') -> np.ndarray:
    """Read one ``.csv`` sequence (one row per frame).

    Args:
        path (str): The file.
        joint_names (Sequence[str]): The format's joints.
        channels (Sequence[str]): The format's channels.
        missing (str): ``'error'`` or ``'zero'`` for empty cells and NaN.

    Returns:
        np.ndarray: float32 ``[1, T, V, C]``.

    Raises:
        MalformedInputError: Naming the line: no header, missing or
            repeated columns, a row with another number of cells, a cell
            that is not a number, a missing value (with
            ``missing='error'``), inf, no frame rows, all zeros.
    """
    reader = csv.reader(io.StringIO(read_text(path).lstrip('\ufeff')))
    try:
        header = [c.strip() for c in next(reader, [])]
        if not any(header):
            raise MalformedInputError(path, 'empty file: no header row', 1)
        columns = _csv_columns(path, header, joint_names, channels)
        rows, lines = [], []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank line
            if len(cells) != len(header):
                raise MalformedInputError(
                    path, f'{len(cells)} cells, the header has '
                    f'{len(header)}', reader.line_num)
            rows.append([cells[i].strip() for i in columns])
            lines.append(reader.line_num)
    except csv.Error as err:
        raise MalformedInputError(path, f'bad CSV: {err}',
                                  reader.line_num) from None
    if not rows:
        raise MalformedInputError(path, 'zero frames: no rows after the '
                                  'header')
    names = [header[i] for i in columns]
    values = np.empty((len(rows), len(columns)), np.float64)
    for t, row in enumerate(rows):
        try:
            values[t] = [float(c) if c else np.nan for c in row]
        except ValueError:
            bad = next(i for i, c in enumerate(row)
                       if c and not is_number(c))
            raise MalformedInputError(
                path, f'column {names[bad]}: {row[bad]!r:.40} is not a '
                'number', lines[t]) from None
    values = values.reshape(len(rows), len(joint_names), len(channels))

    def locate(index):
        frame, joint, channel = index
        return (f'column {joint_names[joint]}.{channels[channel]}',
                lines[frame])

    values = _zero_missing(path, values, missing, locate)
    return _finite_float32(path, values, locate)[None]


def parse_sequence_file(item: Tuple[str, int], root: str,
                        joint_names: Sequence[str], channels: Sequence[str],
                        missing: str = 'error') -> List[Dict[str, Any]]:
    """One ``.npy`` / ``.csv`` sequence -> one annotation.

    Args:
        item (tuple): ``(path, label)``.
        root (str): The input folder (for the sample name).
        joint_names (Sequence[str]): The format's joints.
        channels (Sequence[str]): The format's channels.
        missing (str): See :data:`MISSING_MODES`.

    Returns:
        list[dict]: ``[{'frame_dir', 'label', 'total_frames',
        'keypoint' [M, T, V, C]}]``.
    """
    path, label = item
    read = (read_npy_sequence if path.lower().endswith('.npy') else
            read_csv_sequence)
    keypoint = read(path, joint_names, channels, missing)
    return [{'frame_dir': sample_name(path, root), 'label': label,
             'total_frames': keypoint.shape[1], 'keypoint': keypoint}]


def convert_generic(input_dir: str,
                    out_file: str,
                    skeleton_format: str,
                    labels_file: Optional[str] = None,
                    classes_file: Optional[str] = None,
                    split_patterns: Sequence[Tuple[str, Any]] = (),
                    missing: str = 'error',
                    num_workers: int = 1,
                    skip_bad: bool = False,
                    store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert a folder of ``.npy`` / ``.csv`` sequences.

    Args:
        input_dir (str): The folder (searched recursively).
        out_file (str): Destination annotation ``.pkl``.
        skeleton_format (str): The layout: a registered name or a spec
            file; recorded in the pkl (:func:`~s2i_mm.formats.
            record_format_reference`).
        labels_file (str, optional): See :mod:`.labels`. Inputs without a
            row are left out (counted as excluded); without the file every
            sample has label 0.
        classes_file (str, optional): Class names, one per line.
        split_patterns (Sequence[tuple]): ``(split, compiled regex)``.
        missing (str): See :data:`MISSING_MODES`. Defaults to 'error'.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if missing not in MISSING_MODES:
        raise ValueError(f'missing must be one of {MISSING_MODES}, got '
                         f'{missing!r}')
    fmt = user_format(skeleton_format)
    named = find_inputs(input_dir, SEQUENCE_EXTENSIONS,
                        skip=[p for p in (labels_file, classes_file) if p])
    parser = functools.partial(
        parse_sequence_file, root=input_dir, joint_names=fmt.joint_names,
        channels=fmt.channels, missing=missing)
    return convert_labelled_inputs(
        parser, named, out_file, skeleton_format, labels_file, classes_file,
        split_patterns, num_workers=num_workers, skip_bad=skip_bad,
        store_dir=store_dir, description='sequence files')
