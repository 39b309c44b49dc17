"""One raw clip file -> keypoints ``[M, T, V, C]`` and the layout it holds,
for the raw types a converter reads one file at a time (the inference API
reads single clips through here).

``.skeleton``: NTU RGB+D / PKU-MMD (``ntu25``, the two most active bodies);
``.json``: NW-UCLA (``kinect20``) or Toyota Smarthome (``lcrnet13``), told
apart by their keys; ``.txt``: MSR-Action3D (``msr20``, all-zero frames
dropped); ``.mat``: UTD-MHAD (``utd20``).
"""
import os.path as osp
from typing import Callable, Dict, Tuple

import numpy as np

from .bodies import select_bodies
from .errors import MalformedInputError, read_json
from .msr_action3d import read_msr_skeleton
from .ntu import read_skeleton_file
from .nw_ucla import read_ucla_json
from .toyota import read_toyota_json
from .utd_mhad import read_utd_skeleton

__all__ = ['RAW_CLIP_EXTENSIONS', 'read_raw_clip']


def _ntu(path: str) -> np.ndarray:
    return select_bodies(read_skeleton_file(path), 2)


def _nw_ucla(path: str) -> np.ndarray:
    return np.asarray(read_ucla_json(path)['skeletons'], np.float32)[None]


def _toyota(path: str) -> np.ndarray:
    return read_toyota_json(path)[None]


def _msr(path: str) -> np.ndarray:
    return read_msr_skeleton(path)[None]


def _utd(path: str) -> np.ndarray:
    return read_utd_skeleton(path)[None]


#: format name -> reader, per file ending
_READERS: Dict[str, Dict[str, Callable[[str], np.ndarray]]] = {
    '.skeleton': {'ntu25': _ntu},
    '.json': {'kinect20': _nw_ucla, 'lcrnet13': _toyota},
    '.txt': {'msr20': _msr},
    '.mat': {'utd20': _utd},
}
RAW_CLIP_EXTENSIONS = tuple(_READERS)


def _json_layout(path: str) -> str:
    content = read_json(path)
    if isinstance(content, dict) and 'skeletons' in content:
        return 'kinect20'
    if isinstance(content, dict) and 'frames' in content:
        return 'lcrnet13'
    raise MalformedInputError(
        path, 'neither an NW-UCLA clip ("skeletons") nor a Toyota '
        'Smarthome clip ("njts", "frames")')


def read_raw_clip(path: str, format_name: str = None) -> Tuple[np.ndarray,
                                                                str]:
    """Read one raw clip.

    Args:
        path (str): A ``.skeleton``, ``.json``, ``.txt`` or ``.mat``
            file.
        format_name (str, optional): The layout the caller expects; by
            default the one the file's type (and, for JSON, its keys) says.

    Returns:
        tuple: ``(keypoint float32 [M, T, V, C], format name)``.

    Raises:
        ValueError: An unsupported file type, or a layout this type of
            file does not hold.
        MalformedInputError: The file does not follow its published
            format (the message names the file and, where known, the line).
    """
    extension = osp.splitext(path)[1].lower()
    readers = _READERS.get(extension)
    if readers is None:
        raise ValueError(f'{path}: not a raw clip type s2i_mm reads '
                         f'({", ".join(RAW_CLIP_EXTENSIONS)})')
    if format_name is None:
        format_name = (_json_layout(path) if extension == '.json' else
                       next(iter(readers)))
    if format_name not in readers:
        raise ValueError(
            f'{path}: a {extension} clip holds {" or ".join(readers)} '
            f'skeletons, not {format_name!r}')
    return readers[format_name](path), format_name
