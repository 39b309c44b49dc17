"""UTD-MHAD: Kinect skeleton MAT files -> annotation pkl.

Reads the ``a<A>_s<S>_t<T>_skeleton.mat`` files (``d_skel``, joints x
(x, y, z) x frames; ``utd20``), names the classes by :data:`CLASSES`, and
assigns the cross-subject protocol and its validation protocol
(``xsub_dev_*``). Format and protocols: see docs/converters.md,
"UTD-MHAD".
"""
import glob
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .errors import MalformedInputError, read_mat, to_float32
from .pipeline import convert_files

__all__ = [
    'CLASSES', 'read_utd_skeleton', 'parse_utd_file', 'utd_splits',
    'convert_utd_mhad'
]

NUM_JOINTS = 20
SUBJECTS = frozenset(range(1, 9))
TRIALS = frozenset(range(1, 5))
VARIABLE = 'd_skel'
CLASSES = (
    'right arm swipe to the left', 'right arm swipe to the right',
    'right hand wave', 'two hand front clap', 'right arm throw',
    'cross arms in the chest', 'basketball shoot', 'right hand draw x',
    'right hand draw circle (clockwise)',
    'right hand draw circle (counter clockwise)', 'draw triangle',
    'bowling (right hand)', 'front boxing', 'baseball swing from right',
    'tennis right hand forehand swing', 'arm curl (two arms)',
    'tennis serve', 'two hand push', 'right hand knock on door',
    'right hand catch an object', 'right hand pick up and throw',
    'jogging in place', 'walking in place', 'sit to stand', 'stand to sit',
    'forward lunge (left foot forward)', 'squat (two arms stretch out)')
#: split name -> subjects
SPLIT_SUBJECTS = {
    'xsub_train': frozenset((1, 3, 5, 7)),
    'xsub_val': frozenset((2, 4, 6, 8)),
    'xsub_dev_train': frozenset((1, 3, 5)),
    'xsub_dev_val': frozenset((7, )),
}

_NAME = re.compile(r'^a(\d+)_s(\d+)_t(\d+)$')
SUFFIX = '_skeleton.mat'


def _name_fields(name: str) -> Optional[Tuple[int, int, int]]:
    """``(action, subject, trial)`` of a sample name, or None when the
    name is not one of the dataset's."""
    match = _NAME.match(name)
    if match is None:
        return None
    action, subject, trial = map(int, match.groups())
    if (1 <= action <= len(CLASSES) and subject in SUBJECTS
            and trial in TRIALS):
        return action, subject, trial
    return None


def read_utd_skeleton(path: str) -> np.ndarray:
    """Read ``d_skel`` of one UTD-MHAD MAT file.

    Args:
        path (str): The file.

    Returns:
        np.ndarray: float32 ``[T, 20, 3]``, the all-zero frames dropped.

    Raises:
        MalformedInputError: Not a readable MAT file, no ``d_skel``, not
            an array of real numbers, a shape other than ``(20, 3, T)``
            (e.g. another joint count), zero frames, a value that is NaN,
            infinite or beyond float32 (frame and joint named, 0-based),
            or every frame all zero.
    """
    content = read_mat(path)
    if VARIABLE not in content:
        raise MalformedInputError(
            path, f'no variable "{VARIABLE}" (it holds '
            f'{sorted(content) or "nothing"}); expected {VARIABLE} '
            f'({NUM_JOINTS}, 3, T)')
    skel = content[VARIABLE]
    if not isinstance(skel, np.ndarray) or skel.dtype.kind not in 'fiu':
        kind = skel.dtype if isinstance(skel, np.ndarray) else type(skel)
        raise MalformedInputError(
            path, f'"{VARIABLE}" is not an array of real numbers ({kind})')
    if skel.shape == (NUM_JOINTS, 3):
        skel = skel[..., None]
    if skel.ndim != 3 or skel.shape[:2] != (NUM_JOINTS, 3):
        raise MalformedInputError(
            path, f'"{VARIABLE}" has shape {skel.shape}, expected '
            f'({NUM_JOINTS}, 3, T): {NUM_JOINTS} joints x (x, y, z) x '
            'frames')
    if skel.shape[2] == 0:
        raise MalformedInputError(path, f'zero frames: "{VARIABLE}" has '
                                  f'shape {skel.shape}')
    frames = to_float32(skel.transpose(2, 0, 1))
    finite = np.isfinite(frames)
    if not finite.all():
        t, j, _ = np.argwhere(~finite)[0]
        raise MalformedInputError(
            path, f'frame {t}, joint {j}: NaN, infinite or beyond float32 '
            'value')
    frames = frames[frames.any(axis=(1, 2))]
    if not len(frames):
        raise MalformedInputError(
            path, 'zero frames: every frame is all zero (no skeleton)')
    return np.ascontiguousarray(frames)


def parse_utd_file(path: str) -> List[Dict[str, Any]]:
    """One UTD-MHAD MAT file -> one annotation (mmaction2 schema).

    Args:
        path (str): ``.../a<A>_s<S>_t<T>_skeleton.mat``.

    Returns:
        list[dict]: ``[{'frame_dir': 'a<A>_s<S>_t<T>', 'label': A - 1,
        'total_frames', 'keypoint' [1, T, 20, 3]}]``.

    Raises:
        MalformedInputError: See :func:`read_utd_skeleton`; also a file
            name that is not one of the dataset's.
    """
    base = osp.basename(path)
    name = base[:-len(SUFFIX)]
    fields = _name_fields(name) if base.endswith(SUFFIX) else None
    if fields is None:
        raise MalformedInputError(
            path, f'file name {base!r} does not follow a<A>_s<S>_t<T>'
            f'{SUFFIX} (action 1-27, subject 1-8, trial 1-4)')
    keypoint = read_utd_skeleton(path)[None]
    return [{
        'frame_dir': name,
        'label': fields[0] - 1,
        'total_frames': keypoint.shape[1],
        'keypoint': keypoint,
    }]


def utd_splits(names: Sequence[str]) -> Dict[str, List[str]]:
    """The cross-subject protocol and its validation protocol (see the
    module docstring), by the subject of each sample name."""
    subject = {n: _name_fields(n)[1] for n in names}
    return {split: [n for n in names if subject[n] in subjects]
            for split, subjects in SPLIT_SUBJECTS.items()}


def _file_order(path: str) -> tuple:
    """Action, subject, trial in numeric order (``a2`` before ``a10``);
    names that are not the dataset's last, as they are."""
    name = osp.basename(path)[:-len(SUFFIX)]
    fields = _name_fields(name)
    return (0, fields, '') if fields else (1, (), name)


def convert_utd_mhad(input_dir: str,
                     out_file: str,
                     num_workers: int = 1,
                     skip_bad: bool = False,
                     store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert a folder of UTD-MHAD skeleton MAT files.

    Args:
        input_dir (str): The folder with the ``*_skeleton.mat`` files.
        out_file (str): Destination annotation ``.pkl``.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    files = sorted(glob.glob(osp.join(input_dir, '*' + SUFFIX)),
                   key=_file_order)
    if not files:
        raise FileNotFoundError(f'{input_dir}: no *{SUFFIX} files found')
    return convert_files(
        parse_utd_file, files,
        lambda anns: utd_splits([a['frame_dir'] for a in anns]), out_file,
        'utd20', classes=CLASSES, num_workers=num_workers,
        skip_bad=skip_bad, store_dir=store_dir,
        description='UTD-MHAD MAT files')
