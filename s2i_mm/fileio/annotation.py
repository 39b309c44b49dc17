"""Reading and checking skeleton annotation files (mmaction2/pyskl schema).

Files are unpickled with :mod:`.restricted_pickle`; every problem is one
:class:`SkeletonDataError` naming the file and, where it applies, the
sample. The schema and its two s2i_mm extras (``skeleton_format``,
``classes``): see docs/datasets.md.
"""
import os.path as osp
import pickle
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from s2i_mm.formats import SkeletonFormatError, resolve_format_reference

from .atomic import atomic_path
from .restricted_pickle import ForbiddenGlobalError, restricted_load

__all__ = [
    'SkeletonDataError', 'load_annotation_file', 'read_pickle',
    'merge_score_channel',
    'check_sample', 'check_labels', 'dump_annotation_file',
    'resolve_format', 'coordinate_problem', 'MAX_COORDINATE'
]

#: The largest magnitude of a keypoint value. Between the file and the S2I
#: image values only go through differences and linear maps in float32
#: (at most a few hundred times larger), so 1e30 stays far below the
#: float32 limit 3.4e38, where S2I's range (max - min) overflows and the
#: image holds NaN. Derived in docs/datasets.md ("The coordinate range").
MAX_COORDINATE = 1e30


class SkeletonDataError(ValueError):
    """An annotation file or one of its samples cannot be used."""


def sample_error(source: str, index: int, sample: Any,
                 problem: str) -> SkeletonDataError:
    """Build the error for one bad sample, naming file and sample.

    Args:
        source (str): The file the sample comes from.
        index (int): Position of the sample in ``annotations``.
        sample: The sample (its ``frame_dir`` is quoted when present).
        problem (str): What is wrong.

    Returns:
        SkeletonDataError: The error to raise.
    """
    name = sample.get('frame_dir') if isinstance(sample, dict) else None
    label = f'sample {index}' + (f' ({name!r})' if name is not None else '')
    return SkeletonDataError(f'{source}: {label}: {problem}')


def read_pickle(path: str) -> Any:
    """Unpickle a skeleton file (annotation file or one sample) safely.

    Args:
        path (str): The ``.pkl`` file.

    Returns:
        The unpickled object: containers, strings, numbers and numpy
        arrays only.

    Raises:
        FileNotFoundError: If ``path`` is not a file.
        SkeletonDataError: If the file is truncated or garbled, or names a
            type or function (it is not called).
    """
    if not osp.isfile(path):
        what = ('is a directory, not a skeleton store (it has no '
                'meta.json) nor an annotation file' if osp.isdir(path)
                else 'annotation file not found')
        raise FileNotFoundError(f'{path}: {what}')
    try:
        with open(path, 'rb') as f:
            return restricted_load(f)
    except ForbiddenGlobalError as err:
        raise SkeletonDataError(
            f'{path}: refused to load {err}: annotation and keypoint files '
            'may hold only containers, strings, numbers and numpy arrays '
            '(nothing in the file was run)') from None
    except Exception as err:  # truncated/garbled files raise many types
        raise SkeletonDataError(
            f'{path}: not a readable pickle file '
            f'({type(err).__name__}: {err})') from None


def load_annotation_file(path: str) -> Dict[str, Any]:
    """Load a skeleton annotation pkl and check its top-level structure.

    The file is unpickled by :func:`read_pickle`: only containers,
    strings, numbers and numpy arrays are admitted, so loading a file
    never runs code from it.

    Args:
        path (str): Path of the ``.pkl`` file.

    Returns:
        dict: With ``'split'`` (dict, possibly empty) and ``'annotations'``
        (list), plus any other top-level keys of the file.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        SkeletonDataError: If the file is truncated, garbled, names a type
            or function, or does not follow the schema.
    """
    data = read_pickle(path)
    if isinstance(data, list):  # bare list of annotations (no splits)
        data = {'split': {}, 'annotations': data}
    if not isinstance(data, dict) or 'annotations' not in data:
        raise SkeletonDataError(
            f'{path}: expected a dict with keys \'split\' and '
            f'\'annotations\' (mmaction2 skeleton schema), got '
            f'{type(data).__name__}'
            + (f' with keys {sorted(map(str, data))}'
               if isinstance(data, dict) else ''))
    if not isinstance(data['annotations'], (list, tuple)):
        raise SkeletonDataError(
            f'{path}: \'annotations\' must be a list, got '
            f'{type(data["annotations"]).__name__}')
    split = data.get('split')
    split = {} if split is None else split
    if not isinstance(split, dict) or not all(
            isinstance(k, str) and isinstance(v, (list, tuple))
            and all(isinstance(n, str) for n in v)
            for k, v in split.items()):
        raise SkeletonDataError(
            f'{path}: \'split\' must map split names to lists of '
            'frame_dir names (strings)')
    data['split'] = split
    return data


def resolve_format(source: str, given: Optional[str],
                   recorded: Optional[str], hint: str):
    """The skeleton format of an annotation file or store, by the rule of
    :mod:`s2i_mm.formats.format_reference`.

    Args:
        source (str): The file (or store directory), for error messages;
            a relative spec path it records is read from its directory.
        given (str, optional): The format reference the user gave (a name
            or a spec path).
        recorded (str, optional): The reference the file records.
        hint (str): How the user passes a format (e.g.
            ``"skeleton_format='ntu25'"``), for the error message.

    Returns:
        SkeletonFormat: The format, registered under its name.

    Raises:
        SkeletonDataError: No format known, an unknown one, or a given
            and a recorded one that name different layouts; the message
            names ``source``.
    """
    if given is None and recorded is None:
        raise SkeletonDataError(
            f'{source}: the file does not record its skeleton format; pass '
            f'{hint}')
    try:
        return resolve_format_reference(given, recorded, recorded_in=source)
    except SkeletonFormatError as err:
        raise SkeletonDataError(f'{source}: {err}') from None


def _is_integer(value: Any) -> bool:
    return (isinstance(value, (int, np.integer))
            and not isinstance(value, (bool, np.bool_)))


def check_sample(sample: Any, index: int, source: str, num_joints: int,
                 num_channels: Sequence[int]) -> np.ndarray:
    """Check one annotation and return its keypoints as float32.

    Args:
        sample: One entry of ``annotations``.
        index (int): Its position (for the error message).
        source (str): The file it comes from (for the error message).
        num_joints (int): Joint count of the skeleton format.
        num_channels (Sequence[int]): Accepted channel counts ``C``.

    Returns:
        np.ndarray: The keypoints, float32 ``[M, T, V, C]``.

    Raises:
        SkeletonDataError: Missing keys, wrong shape or joint count, zero
            frames, non-finite values or values beyond
            ``±MAX_COORDINATE`` (:func:`coordinate_problem`), a
            ``total_frames`` that does not match, or a label that is not a
            non-negative integer.
    """

    def fail(problem):
        return sample_error(source, index, sample, problem)

    if not isinstance(sample, dict):
        raise fail(f'expected a dict, got {type(sample).__name__}')
    for key in ('frame_dir', 'label', 'keypoint'):
        if key not in sample:
            raise fail(f'missing key {key!r}')
    if not isinstance(sample['frame_dir'], str):
        raise fail('frame_dir must be a string, got '
                   f'{type(sample["frame_dir"]).__name__}')
    label = sample['label']
    if not _is_integer(label) or label < 0:
        raise fail(f'label must be a non-negative integer, got {label!r}')
    keypoint = sample['keypoint']
    if not isinstance(keypoint, np.ndarray) or keypoint.ndim != 4:
        shape = getattr(keypoint, 'shape', type(keypoint).__name__)
        raise fail(f'keypoint must be an array [M, T, V, C], got {shape}')
    if keypoint.dtype.kind not in 'fiu':
        raise fail(f'keypoint must hold real numbers, got dtype '
                   f'{keypoint.dtype}')
    num_bodies, num_frames, joints, channels = keypoint.shape
    if joints != num_joints:
        raise fail(f'keypoint has {joints} joints, the skeleton format has '
                   f'{num_joints}')
    if channels not in num_channels:
        raise fail(f'keypoint has {channels} channels, expected '
                   f'{" or ".join(map(str, num_channels))}')
    if num_bodies == 0 or num_frames == 0:
        raise fail(f'keypoint is empty (shape {keypoint.shape}): zero '
                   'bodies or zero frames')
    total = sample.get('total_frames', num_frames)
    if not _is_integer(total) or total != num_frames:
        raise fail(f'total_frames is {total!r} but keypoint has '
                   f'{num_frames} frames')
    keypoint = np.asarray(keypoint, dtype=np.float32)
    problem = coordinate_problem(keypoint)
    if problem is not None:
        raise fail(f'keypoint {problem}')
    return keypoint


def coordinate_problem(keypoint: np.ndarray) -> Optional[str]:
    """Why the values of ``keypoint`` cannot be S2I-encoded, if they cannot.

    Args:
        keypoint (np.ndarray): ``[M, T, V, C]`` real numbers.

    Returns:
        str | None: ``None`` when every value is finite and within
        ``±MAX_COORDINATE``; else what the first bad value is and where
        (``'holds NaN/inf (first at body 0, frame 3, joint 7)'``).
    """
    with np.errstate(invalid='ignore'):
        bad = ~(np.abs(keypoint) <= MAX_COORDINATE)  # NaN compares False
    if not bad.any():
        return None
    where = tuple(np.argwhere(bad)[0])
    at = f'body {where[0]}, frame {where[1]}, joint {where[2]}'
    value = keypoint[where]
    if not np.isfinite(value):
        return f'holds NaN/inf (first at {at})'
    return (f'holds {float(value):.3g} at {at}, beyond ±{MAX_COORDINATE:g}, '
            'the largest value S2I encodes (the float32 arithmetic between '
            'the file and the image would overflow; docs/datasets.md, "The '
            'coordinate range")')


def check_labels(records: Sequence[Dict[str, Any]],
                 classes: Optional[Sequence[str]],
                 source: str) -> Dict[str, int]:
    """Check that sample names are unique and labels name a class.

    Args:
        records (Sequence[dict]): Every sample of the file (at least
            ``frame_dir`` and ``label``), in file order.
        classes (Sequence[str], optional): The class names, if known.
        source (str): The file, for the error message.

    Returns:
        dict: ``frame_dir`` -> label, for every sample.

    Raises:
        SkeletonDataError: A ``frame_dir`` used twice, or a label beyond
            the named classes (naming the file and the sample).
    """
    labels = {r['frame_dir']: int(r['label']) for r in records}
    if len(labels) != len(records):
        repeated: List[str] = [n for n, c in Counter(
            r['frame_dir'] for r in records).items() if c > 1]
        raise SkeletonDataError(
            f'{source}: frame_dir {", ".join(map(repr, repeated[:5]))} '
            'names more than one sample')
    if classes is not None:
        for i, r in enumerate(records):
            if r['label'] >= len(classes):
                raise sample_error(
                    source, i, r, f'label {r["label"]} but only '
                    f'{len(classes)} classes are named')
    return labels


def dump_annotation_file(data: Dict[str, Any], path: str) -> None:
    """Write an annotation dict as pkl, atomically.

    The file is written under a temporary name in the same directory and
    renamed into place, so an interrupted write leaves no partial file.

    Args:
        data (dict): In the schema of :func:`load_annotation_file`.
        path (str): Destination ``.pkl`` path.
    """
    with atomic_path(path) as tmp, open(tmp, 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)


def merge_score_channel(ann: Any, channels: Sequence[str]) -> Any:
    """Merge a separate ``keypoint_score`` into a ``score`` channel.

    Args:
        ann: One sample; returned as it is unless the format has a
            ``score`` channel and the sample holds ``keypoint`` ``[M, T, V,
            C - 1]`` and ``keypoint_score`` ``[M, T, V]`` (mmaction2's 2D
            layout).
        channels (Sequence[str]): The format's channels.

    Returns:
        The sample with one ``keypoint`` ``[M, T, V, C]``.
    """
    if (not isinstance(ann, dict) or 'score' not in channels
            or 'keypoint_score' not in ann):
        return ann
    keypoint, score = ann['keypoint'], ann['keypoint_score']
    if (getattr(keypoint, 'ndim', 0) != 4
            or keypoint.shape[-1] != len(channels) - 1
            or getattr(score, 'shape', None) != keypoint.shape[:-1]):
        return ann
    ann = {k: v for k, v in ann.items() if k != 'keypoint_score'}
    ann['keypoint'] = np.concatenate(
        [keypoint, score[..., None].astype(keypoint.dtype)], axis=-1)
    return ann
