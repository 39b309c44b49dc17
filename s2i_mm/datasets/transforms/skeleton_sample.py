"""Shared checks for transforms that read a skeleton sample.

A skeleton sample is a results dict with ``keypoint`` float[M, T, V, C] and
optionally ``skeleton_format`` (a format name, spec path or dict). These
helpers resolve the format, name the sample in error messages and check
the keypoint array, so every transform reports bad input the same way.
"""
from typing import Dict, Optional, Union

import numpy as np

from s2i_mm.formats import SkeletonFormat, get_format

__all__ = [
    'SkeletonSampleError', 'describe_sample', 'FormatResolver',
    'checked_keypoint', 'present_mask', 'checked_present', 'check_finite'
]


class SkeletonSampleError(ValueError):
    """A skeleton sample cannot be encoded (bad shape, NaN, empty...)."""


def describe_sample(results: dict) -> str:
    """Name a sample for error messages: its ``frame_dir`` (or
    ``filename``), ``sample_idx`` and annotation file when known."""
    name = results.get('frame_dir', results.get('filename'))
    parts = [f'sample {name!r}' if name is not None else 'unnamed sample']
    if 'sample_idx' in results:
        parts.append(f'(index {results["sample_idx"]})')
    if results.get('ann_file'):
        parts.append(f'of {results["ann_file"]}')
    return ' '.join(parts)


FormatSpec = Union[str, dict, SkeletonFormat, None]


class FormatResolver:
    """Find the format of a sample: the sample's ``skeleton_format`` key or
    the transform's own ``skeleton_format`` argument (at least one must be
    given; if both are, they must agree). Lookups are cached by name.

    Args:
        default (str | dict | SkeletonFormat, optional): The transform's
            ``skeleton_format`` argument.
    """

    def __init__(self, default: FormatSpec = None) -> None:
        self.default: Optional[SkeletonFormat] = (
            None if default is None else get_format(default))
        self._cache: Dict[str, SkeletonFormat] = {}

    def __call__(self, results: dict) -> SkeletonFormat:
        spec = results.get('skeleton_format')
        if spec is None:
            if self.default is None:
                raise SkeletonSampleError(
                    f'{describe_sample(results)} has no "skeleton_format" '
                    'key and the transform was given no skeleton_format.')
            return self.default
        if isinstance(spec, str):
            fmt = self._cache.get(spec)
            if fmt is None:
                fmt = self._cache[spec] = get_format(spec)
        else:
            fmt = get_format(spec)
        if self.default is not None and fmt != self.default:
            raise SkeletonSampleError(
                f'{describe_sample(results)} is tagged with skeleton format '
                f'{fmt.name!r} but the transform was configured for '
                f'{self.default.name!r}; drop the transform\'s '
                'skeleton_format to follow each sample\'s tag.')
        return fmt


def checked_keypoint(results: dict, fmt: SkeletonFormat) -> np.ndarray:
    """Return ``results['keypoint']`` as float32 [M, T, V, C] after checking
    its shape against ``fmt``.

    Raises:
        SkeletonSampleError: On a missing key, wrong rank, wrong joint
            count, or zero persons / frames / channels.
    """
    if 'keypoint' not in results:
        raise SkeletonSampleError(
            f'{describe_sample(results)} has no "keypoint" array.')
    kp = np.asarray(results['keypoint'])
    if kp.ndim != 4:
        raise SkeletonSampleError(
            f'{describe_sample(results)}: keypoint must be [M, T, V, C], got '
            f'shape {kp.shape}.')
    persons, frames, joints, channels = kp.shape
    if joints != fmt.num_joints:
        raise SkeletonSampleError(
            f'{describe_sample(results)} has {joints} joints but skeleton '
            f'format {fmt.name!r} has {fmt.num_joints}.')
    if frames == 0 or persons == 0 or channels == 0:
        raise SkeletonSampleError(
            f'{describe_sample(results)} is empty: keypoint shape '
            f'{kp.shape} (M persons, T frames, V joints, C channels).')
    if kp.dtype != np.float32:
        kp = kp.astype(np.float32)
    return kp


def present_mask(keypoint: np.ndarray) -> np.ndarray:
    """Person-frames that hold a skeleton: bool [M, T], True where any
    coordinate of the person in that frame is non-zero (absent persons and
    padded frames are stored as zeros in the mmaction2 pkl schema)."""
    return keypoint.any(axis=(2, 3))


def checked_present(results: dict, keypoint: np.ndarray) -> np.ndarray:
    """``results['keypoint_present']`` after checking its shape, or
    :func:`present_mask` of ``keypoint`` when the key is absent."""
    present = results.get('keypoint_present')
    if present is None:
        return present_mask(keypoint)
    if np.shape(present) != keypoint.shape[:2]:
        raise SkeletonSampleError(
            f'{describe_sample(results)}: keypoint_present has shape '
            f'{np.shape(present)}, keypoint has [M, T] = '
            f'{keypoint.shape[:2]}.')
    return present


def check_finite(results: dict, keypoint: np.ndarray, present: np.ndarray,
                 fmt: SkeletonFormat) -> None:
    """Raise an error naming the sample and its first non-finite coordinate
    among the ``present`` person-frames of ``keypoint``, if it has one."""
    bad = np.argwhere(~np.isfinite(keypoint) & present[:, :, None, None])
    if len(bad):
        person, frame, joint, channel = bad[0]
        raise SkeletonSampleError(
            f'{describe_sample(results)} has {len(bad)} non-finite '
            f'coordinate(s), first at person {person}, frame {frame}, joint '
            f'{joint} ({fmt.joint_names[joint]}), channel {channel}: '
            f'{keypoint[person, frame, joint]}. Clean the data or use '
            "S2IEncode(nan='zero').")
