"""MSR-Action3D: real-world skeleton text files -> annotation pkl.

Reads the ``real_world_coordinates/aNN_sNN_eNN_skeleton3D.txt`` files of
the standard list (``msr20``, all-zero frames dropped, confidence read and
not kept), the class names from ``action_names.mat``, and assigns the
cross-subject protocol and its validation protocol (``xsub_dev_*``).
Formats and protocols: see docs/converters.md, "MSR-Action3D".
"""
import os
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from .errors import (
    MalformedInputError,
    is_number,
    read_lines,
    read_mat,
    to_float32,
)
from .pipeline import convert_files

__all__ = [
    'SKELETON_DIR', 'FILE_LIST', 'CLASS_FILE', 'read_msr_skeleton',
    'read_file_list', 'read_action_names', 'parse_msr_file', 'msr_splits',
    'convert_msr_action3d'
]

NUM_JOINTS = 20
NUM_ACTIONS = 20
SUBJECTS = frozenset(range(1, 11))
EPISODES = frozenset((1, 2, 3))
VALUES_PER_LINE = 4  # x y z confidence
SKELETON_DIR = 'real_world_coordinates'
FILE_LIST = osp.join(SKELETON_DIR, 'files_used_in_cvpr12_paper.txt')
CLASS_FILE = 'action_names.mat'
SUFFIX = '_skeleton3D.txt'
#: split name -> subjects
SPLIT_SUBJECTS = {
    'xsub_train': frozenset((1, 3, 5, 7, 9)),
    'xsub_val': frozenset((2, 4, 6, 8, 10)),
    'xsub_dev_train': frozenset((1, 3, 5, 7)),
    'xsub_dev_val': frozenset((9, )),
}

_NAME = re.compile(r'^a(\d{2})_s(\d{2})_e(\d{2})$')


def _name_fields(name: str) -> Optional[Tuple[int, int, int]]:
    """``(action, subject, episode)`` of a sample name, or None when the
    name is not one of the dataset's."""
    match = _NAME.match(name)
    if match is None:
        return None
    action, subject, episode = map(int, match.groups())
    if (1 <= action <= NUM_ACTIONS and subject in SUBJECTS
            and episode in EPISODES):
        return action, subject, episode
    return None


def read_msr_skeleton(path: str) -> np.ndarray:
    """Parse one ``*_skeleton3D.txt`` file.

    Args:
        path (str): The file.

    Returns:
        np.ndarray: float32 ``[T, 20, 3]`` (x, y, z), the all-zero frames
        dropped.

    Raises:
        MalformedInputError: Naming the line: a blank line inside, a line
            without 4 values, a non-number, NaN/inf or a value beyond
            float32, a line count that is not a multiple of 20 (a truncated
            file or a missing joint); naming the file: no lines, or every
            frame all zero.
    """
    lines = read_lines(path)
    if not lines:
        raise MalformedInputError(path, 'zero frames: the file is empty')
    rows = [line.split() for line in lines]
    for i, fields in enumerate(rows):
        if len(fields) != VALUES_PER_LINE:
            raise MalformedInputError(
                path, f'joint line has {len(fields)} values, expected '
                f'{VALUES_PER_LINE} (x y z confidence)', i + 1)
        if not all(map(is_number, fields)):
            raise MalformedInputError(path, 'joint line holds a non-number',
                                      i + 1)
    values = to_float32(np.array(rows, dtype=np.float64))
    finite = np.isfinite(values).all(axis=1)
    if not finite.all():
        raise MalformedInputError(
            path, 'NaN, infinite or beyond float32 value',
            int(np.argmin(finite)) + 1)
    if len(lines) % NUM_JOINTS:
        first = len(lines) - len(lines) % NUM_JOINTS
        raise MalformedInputError(
            path, f'{len(lines)} joint lines are not whole frames of '
            f'{NUM_JOINTS}: the frame from line {first + 1} has '
            f'{len(lines) - first} (truncated file or a missing joint)',
            len(lines))
    frames = values[:, :3].reshape(-1, NUM_JOINTS, 3)
    frames = frames[frames.any(axis=(1, 2))]
    if not len(frames):
        raise MalformedInputError(
            path, 'zero frames: every frame is all zero (no skeleton)')
    return np.ascontiguousarray(frames)


def read_file_list(path: str) -> List[str]:
    """Read the list of used sequences (one ``aNN_sNN_eNN`` a line).

    Raises:
        MalformedInputError: Naming the line: a name that is not one of
            the dataset's, a name listed twice, a blank line inside.
    """
    names: List[str] = []
    seen: Dict[str, int] = {}
    for i, line in enumerate(read_lines(path)):
        name = line.strip()
        if _name_fields(name) is None:
            raise MalformedInputError(
                path, f'{name[:40]!r} is not an MSR-Action3D sequence name '
                '(aNN_sNN_eNN: action 01-20, subject 01-10, episode 01-03)',
                i + 1)
        if name in seen:
            raise MalformedInputError(
                path, f'{name} is listed twice (first on line '
                f'{seen[name]})', i + 1)
        seen[name] = i + 1
        names.append(name)
    return names


def _mat_strings(value: Any) -> Optional[List[str]]:
    """The strings of a MATLAB cell of strings or char matrix, as
    ``loadmat`` returns them; None for anything else."""
    if not isinstance(value, np.ndarray):
        return None
    if value.dtype.kind == 'U':  # char matrix: one padded row per string
        return [str(s).rstrip() for s in value.reshape(-1)] \
            if value.ndim <= 2 else None
    if value.dtype != object:
        return None
    strings = []
    for cell in value.reshape(-1):
        if not (isinstance(cell, np.ndarray) and cell.dtype.kind == 'U'
                and cell.size <= 1):
            return None
        strings.append(str(cell.reshape(-1)[0]) if cell.size else '')
    return strings


def read_action_names(path: str) -> Tuple[str, ...]:
    """Read the 20 class names from ``action_names.mat``.

    Raises:
        MalformedInputError: No ``action_names`` variable, not a cell of
            strings, another count than 20, or an empty name.
    """
    content = read_mat(path)
    if 'action_names' not in content:
        raise MalformedInputError(
            path, f'no variable "action_names" (it holds '
            f'{sorted(content) or "nothing"})')
    names = _mat_strings(content['action_names'])
    if names is None:
        raise MalformedInputError(
            path, '"action_names" is not a cell of strings')
    if len(names) != NUM_ACTIONS or not all(n.strip() for n in names):
        raise MalformedInputError(
            path, f'"action_names" holds {len(names)} names (empty ones '
            f'included), expected {NUM_ACTIONS} non-empty names')
    return tuple(n.strip() for n in names)


def parse_msr_file(path: str) -> List[Dict[str, Any]]:
    """One MSR-Action3D text file -> one annotation (mmaction2 schema).

    Args:
        path (str): ``.../aNN_sNN_eNN_skeleton3D.txt``.

    Returns:
        list[dict]: ``[{'frame_dir': 'aNN_sNN_eNN', 'label': action - 1,
        'total_frames', 'keypoint' [1, T, 20, 3]}]``.

    Raises:
        MalformedInputError: See :func:`read_msr_skeleton`; also a file
            name that is not one of the dataset's.
    """
    base = osp.basename(path)
    name = base[:-len(SUFFIX)] if base.endswith(SUFFIX) else base
    fields = _name_fields(name) if base.endswith(SUFFIX) else None
    if fields is None:
        raise MalformedInputError(
            path, f'file name {base!r} does not follow aNN_sNN_eNN'
            f'{SUFFIX} (action 01-20, subject 01-10, episode 01-03)')
    keypoint = read_msr_skeleton(path)[None]
    return [{
        'frame_dir': name,
        'label': fields[0] - 1,
        'total_frames': keypoint.shape[1],
        'keypoint': keypoint,
    }]


def msr_splits(names: Sequence[str]) -> Dict[str, List[str]]:
    """The cross-subject protocol and its validation protocol (see the
    module docstring), by the subject of each sample name."""
    subject = {n: _name_fields(n)[1] for n in names}
    return {split: [n for n in names if subject[n] in subjects]
            for split, subjects in SPLIT_SUBJECTS.items()}


def _list_files(input_dir: str, file_list: str) -> Tuple[List[str], int]:
    """The files of the listed sequences, and how many other skeleton
    files the folder holds (excluded)."""
    skeleton_dir = osp.join(input_dir, SKELETON_DIR)
    if not osp.isdir(skeleton_dir):
        raise FileNotFoundError(
            f'{input_dir}: no {SKELETON_DIR}/ folder (point at the unpacked '
            'msr/ folder)')
    names = read_file_list(file_list)
    if not names:
        raise MalformedInputError(file_list, 'the list is empty')
    files = []
    for i, name in enumerate(names):
        path = osp.join(skeleton_dir, name + SUFFIX)
        if not osp.isfile(path):
            raise MalformedInputError(
                file_list, f'{name}: no file {path}', i + 1)
        files.append(path)
    listed = set(names)
    found = {f[:-len(SUFFIX)] for f in os.listdir(skeleton_dir)
             if f.endswith(SUFFIX)}
    return files, len(found - listed)


def convert_msr_action3d(input_dir: str,
                         out_file: str,
                         num_workers: int = 1,
                         skip_bad: bool = False,
                         store_dir: Optional[str] = None,
                         file_list: Optional[str] = None) -> Dict[str, Any]:
    """Convert the MSR-Action3D folder (``msr/``).

    Args:
        input_dir (str): The folder with ``action_names.mat`` and
            ``real_world_coordinates/``.
        out_file (str): Destination annotation ``.pkl``.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files. Defaults to False.
        store_dir (str, optional): Also write the packed store.
        file_list (str, optional): The list of sequences to convert.
            Defaults to :data:`FILE_LIST` in ``input_dir``.

    Returns:
        dict: The conversion summary (also printed).
    """
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    files, excluded = _list_files(
        input_dir, file_list or osp.join(input_dir, FILE_LIST))
    classes = read_action_names(osp.join(input_dir, CLASS_FILE))
    return convert_files(
        parse_msr_file, files,
        lambda anns: msr_splits([a['frame_dir'] for a in anns]), out_file,
        'msr20',
        classes=classes, num_workers=num_workers, skip_bad=skip_bad,
        store_dir=store_dir, excluded=excluded,
        description='MSR-Action3D text files')
