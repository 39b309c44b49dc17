"""Per-sample work that does not change between epochs.

:func:`preprocess_sample` runs once per sample when a dataset is first
loaded (and is cached, :mod:`~s2i_mm.datasets.preprocess_cache`); inference
calls it with the options of the config's test dataset. Steps, each
optional: ``drop_empty``, ``center``, ``align``. What each does: see
docs/datasets.md, "Preprocessing runs once, and is cached".
"""
from typing import Any, Dict, Optional, Sequence, Union

import numpy as np

from s2i_mm.fileio.annotation import (
    check_sample,
    merge_score_channel,
    sample_error,
)

__all__ = [
    'DEFAULT_PREPROCESS', 'normalize_preprocess', 'preprocess_keypoint',
    'preprocess_sample', 'prepare_annotations'
]

#: Drop empty bodies/frames and centre on the format's centre joint; no
#: view alignment (the rotation about the vertical axis is left to the
#: data, e.g. as an augmentation target).
DEFAULT_PREPROCESS = dict(drop_empty=True, center=True, align=False)

_DEFAULT_ALIGN = dict(
    across=('right_shoulder', 'left_shoulder'), vertical_axis=1)


def normalize_preprocess(
        options: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """Canonical form of preprocessing options (``None`` = nothing to do).

    Args:
        options (dict, optional): Keys ``drop_empty`` (bool), ``center``
            (bool), ``align`` (bool or dict with ``across`` and
            ``vertical_axis``).

    Returns:
        dict | None: JSON-serializable options with every key present, or
        ``None`` when no step is enabled.
    """
    if not options:
        return None
    unknown = set(options) - {'drop_empty', 'center', 'align'}
    if unknown:
        raise ValueError(f'unknown preprocess options {sorted(unknown)}; '
                         'expected drop_empty, center, align')
    align: Union[bool, Dict[str, Any]] = options.get('align', False)
    if align:
        align = {**_DEFAULT_ALIGN, **(align if align is not True else {})}
        align['across'] = list(align['across'])
    result = dict(
        drop_empty=bool(options.get('drop_empty', False)),
        center=bool(options.get('center', False)),
        align=align or False)
    if not any(result.values()):
        return None
    return result


def _first_present_frame(joint_track: np.ndarray) -> Optional[int]:
    """Index of the first frame where a ``[T, C]`` joint is non-zero."""
    present = np.flatnonzero(np.any(joint_track != 0, axis=-1))
    return int(present[0]) if len(present) else None


def _vertical_rotation(vector: np.ndarray, vertical_axis: int) -> np.ndarray:
    """Rotation about ``vertical_axis`` taking ``vector`` onto +x."""
    a, b = [i for i in range(3) if i != vertical_axis]  # horizontal axes
    angle = np.arctan2(vector[b], vector[a])
    rot = np.eye(3)
    c, s = np.cos(angle), np.sin(angle)
    rot[a, a], rot[a, b], rot[b, a], rot[b, b] = c, s, -s, c
    return rot


def preprocess_keypoint(keypoint: np.ndarray,
                        options: Optional[Dict[str, Any]],
                        joint_names: Sequence[str],
                        center: int,
                        coord_channels: int = 3) -> np.ndarray:
    """Apply the once-per-dataset steps to one sample.

    Args:
        keypoint (np.ndarray): ``[M, T, V, C]`` float32 (finite).
        options (dict, optional): Output of :func:`normalize_preprocess`.
        joint_names (Sequence[str]): Joint names of the format.
        center (int): Index of the format's centre joint.
        coord_channels (int): How many leading channels are coordinates
            (3 for x, y, z; 2 for x, y, score). Defaults to 3.

    Returns:
        np.ndarray: The processed ``[M', T', V, C]`` float32 array.

    Raises:
        ValueError: If every frame is empty, or ``align`` names a joint
            the format lacks.
    """
    if options is None:
        return keypoint
    present = np.any(keypoint[..., :coord_channels] != 0, axis=-1)
    if options['drop_empty']:
        body_frames = present.any(-1).sum(-1)  # [M]
        bodies = [m for m in np.argsort(-body_frames, kind='stable')
                  if body_frames[m] > 0]
        if not bodies:
            raise ValueError('every frame is empty (all joints are zero)')
        frames = np.flatnonzero(present[bodies].any(axis=(0, 2)))
        keypoint = keypoint[bodies][:, frames]
        present = present[bodies][:, frames]
    coords = keypoint[..., :coord_channels].astype(np.float64)
    if options['center']:
        first = _first_present_frame(coords[0, :, center])
        if first is not None:
            coords = coords - coords[0, first, center]
    align = options['align']
    if align:
        if coord_channels != 3:
            raise ValueError('align needs 3D coordinates (x, y, z)')
        names = list(joint_names)
        missing = [j for j in align['across'] if j not in names]
        if missing:
            raise ValueError(f'align: the skeleton format has no joint '
                             f'{missing}')
        right, left = (names.index(j) for j in align['across'])
        both = np.all(present[0][:, [right, left]], axis=-1)
        frames = np.flatnonzero(both)
        if len(frames):
            across = coords[0, frames[0], left] - coords[0, frames[0], right]
            rot = _vertical_rotation(across, int(align['vertical_axis']))
            coords = coords @ rot.T
    coords = np.where(present[..., None], coords, 0)
    out = keypoint.astype(np.float32, copy=True)
    out[..., :coord_channels] = coords
    return out


def preprocess_sample(keypoint: np.ndarray, skeleton_format,
                      options: Optional[Dict[str, Any]]) -> np.ndarray:
    """:func:`preprocess_keypoint` for a sample of ``skeleton_format``.

    The one entry point of the dataset (:func:`prepare_annotations`) and
    of inference: the format gives the joint names, the centre joint and
    how many leading channels are coordinates.

    Args:
        keypoint (np.ndarray): ``[M, T, V, C]`` float32 (finite).
        skeleton_format (SkeletonFormat): The layout of ``keypoint``.
        options (dict, optional): Output of :func:`normalize_preprocess`.

    Returns:
        np.ndarray: The processed ``[M', T', V, C]`` float32 array.

    Raises:
        ValueError: See :func:`preprocess_keypoint`.
    """
    fmt = skeleton_format
    coords = sum(c in ('x', 'y', 'z') for c in fmt.channels)
    return preprocess_keypoint(keypoint, options, fmt.joint_names,
                               fmt.center, coords)


def prepare_annotations(data: Dict[str, Any], skeleton_format,
                        options: Optional[Dict[str, Any]],
                        source: str) -> Dict[str, Any]:
    """Check and preprocess every sample of a loaded annotation dict.

    Samples are replaced in ``data['annotations']`` one by one (the
    originals are released as it goes). For a format with a ``score``
    channel (e.g. ``coco17``: x, y, score), mmaction2's 2D layout
    ``keypoint`` ``[..., 2]`` plus ``keypoint_score`` is merged into one
    ``[..., 3]`` array.

    Args:
        data (dict): As returned by
            :func:`~s2i_mm.fileio.annotation.load_annotation_file`.
        skeleton_format (SkeletonFormat): The layout of the samples.
        options (dict, optional): Output of :func:`normalize_preprocess`.
        source (str): The file, for error messages.

    Returns:
        dict: ``data``; its ``skeleton_format`` record is left as the file
        has it (a cache keeps it and resolves it as the file would).

    Raises:
        SkeletonDataError: The first bad sample, naming file and sample.
    """
    fmt = skeleton_format
    annotations = data['annotations']
    items = range(len(annotations))
    if len(annotations) >= 2000:
        from rich.progress import track
        items = track(items, description='checking samples',
                      transient=True)
    for i in items:
        ann = merge_score_channel(annotations[i], fmt.channels)
        keypoint = check_sample(ann, i, source, fmt.num_joints,
                                [len(fmt.channels)])
        try:
            keypoint = preprocess_sample(keypoint, fmt, options)
        except ValueError as err:
            raise sample_error(source, i, ann, str(err)) from None
        annotations[i] = dict(ann, keypoint=keypoint,
                              total_frames=keypoint.shape[1])
    return data
