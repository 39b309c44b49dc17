"""Skeleton-to-Image (S2I) encoding of a skeleton sample."""
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from s2i_mm.registry import TRANSFORMS

from .skeleton_sample import (
    FormatResolver,
    SkeletonSampleError,
    check_finite,
    checked_keypoint,
    checked_present,
    describe_sample,
)

__all__ = ['S2IEncode', 'place_persons']

PERSON_LAYOUTS = ('side_by_side', 'stacked_time', 'first')
SCALINGS = ('minmax', 'centred', 'fixed')


@TRANSFORMS.register_module()
class S2IEncode(BaseTransform):
    """Encode a skeleton sequence as an image (Skeleton-to-Image, S2I).

    Four steps: gather the joints in the format's S2I column order (torso,
    left arm, right arm, left leg, right leg; proximal to distal inside a
    part), scale each channel (x, y, z -> R, G, B) to [0, 1], place the
    persons in one grid (rows = frames, columns = joints) and resize it
    with linear interpolation. Person-frames that hold no skeleton (all
    zeros, or ``keypoint_present`` False) are left out of the scaling and
    are exactly zero in the image, as are padded persons.

    The steps work on channel planes ``[C, ...]``: on ``[..., C]`` arrays
    the ``cpu_resize`` pipeline of ``benchmarks/s2i_pipeline.py`` was 2x
    slower (530-564 vs 264-285 us per sample; 2026-11-29, shared 2 cores).
    The resize (OpenCV ``INTER_LINEAR``) equals torch's bilinear
    ``interpolate(align_corners=False)``, so ``size=None`` plus
    :class:`~s2i_mm.models.S2IClsDataPreprocessor` gives the same input.

    Required Keys:

        - keypoint (np.ndarray): float [M, T, V, C].
        - skeleton_format (str, optional): unless the transform has one.
        - keypoint_present (np.ndarray, optional): bool [M, T], added by
          :class:`SkeletonModality`; derived from ``keypoint`` otherwise.
        - max_persons (int, optional): the dataset's most persons per
          sample (added by :class:`~s2i_mm.datasets.SkeletonDataset`).

    Added Keys:

        - img (np.ndarray): float32 [H, W, C] in [0, 1]; with ``num_clips``
          N > 1 each clip is encoded alone into ``[N, C, H, W]``.
        - img_shape (tuple): ``(H, W)``.
        - ori_shape (tuple): ``(rows, columns)`` of the grid.

    Args:
        skeleton_format (str | dict | SkeletonFormat, optional): Format of
            every sample. Defaults to None (each sample's own).
        persons (str): ``'side_by_side'`` (default), ``'stacked_time'`` or
            ``'first'``, see :func:`place_persons`.
        num_persons (int, optional): Persons laid out; missing ones are
            zero, extra ones dropped (as mmaction2's ``FormatGCNInput``).
            Defaults to None: the dataset's ``max_persons`` (else the
            sample's ``M``): no image area for persons a dataset never has.
        scaling (str): ``'minmax'`` (default): per sample and channel over
            the present person-frames (a constant channel maps to 0);
            ``'centred'``: each channel centred on its range's middle, all
            divided by the largest range (body proportions kept);
            ``'fixed'``: ``value_range`` for every sample, clipped to [0, 1].
            Streams stacked along channels are scaled each alone. Measured
            on NW-UCLA in docs/benchmarks.md.
        value_range (tuple, optional): ``(low, high)`` for ``'fixed'``,
            each a float or one per channel.
        size (int | tuple[int, int] | None): Output ``(height, width)``;
            ``None`` keeps the grid (resize on the device).
        nan (str): A non-finite coordinate of a present person-frame raises
            an error naming the sample (``'error'``) or counts as missing.
    """

    def __init__(self,
                 skeleton_format=None,
                 persons: str = 'side_by_side',
                 num_persons: Optional[int] = None,
                 scaling: str = 'minmax',
                 value_range: Optional[Tuple] = None,
                 size: Union[int, Tuple[int, int], None] = (224, 224),
                 nan: str = 'error') -> None:
        for arg, value, choices in [('persons', persons, PERSON_LAYOUTS),
                                    ('scaling', scaling, SCALINGS),
                                    ('nan', nan, ('error', 'zero'))]:
            if value not in choices:
                raise ValueError(
                    f'{arg} must be one of {list(choices)}, got {value!r}.')
        if num_persons is not None and int(num_persons) < 1:
            raise ValueError(f'num_persons must be >= 1, got {num_persons}.')
        if (scaling == 'fixed') != (value_range is not None):
            raise ValueError("scaling='fixed' needs value_range=(low, high) "
                             '(each a float or one per channel), and '
                             "value_range is used only with scaling='fixed'.")
        if value_range is not None and not np.all(
                np.float32(value_range[1]) > np.float32(value_range[0])):
            raise ValueError(
                f'value_range needs high > low, got {value_range}.')
        size = (size, size) if isinstance(size, int) else size
        if size is not None and (len(size) != 2 or min(size) < 1):
            raise ValueError(
                f'size must be (height, width) or None, got {size}.')
        self.skeleton_format = skeleton_format
        self.persons = persons
        self.num_persons = (1 if persons == 'first' else
                            None if num_persons is None else int(num_persons))
        self.scaling = scaling
        self.value_range = value_range
        self.size = None if size is None else tuple(map(int, size))
        self.nan = nan
        self._formats = FormatResolver(skeleton_format)

    def transform(self, results: dict) -> dict:
        """Encode ``results['keypoint']`` into ``results['img']``."""
        if int(results.get('num_clips', 1)) > 1:
            return self._encode_clips(results)
        fmt = self._formats(results)
        keypoint = checked_keypoint(results, fmt)
        keypoint, present = select_persons(
            keypoint, checked_present(results, keypoint),
            self._num_persons(results))
        if not present.any():
            raise SkeletonSampleError(
                f'{describe_sample(results)} holds no skeleton: every '
                'person-frame is empty (all zeros).')

        planes = gather_planes(keypoint, fmt.s2i_order)
        finite = np.isfinite(planes)
        if self.nan == 'error' and not finite.all():
            check_finite(results, keypoint, present, fmt)
        valid = finite & present[:, :, None]  # the cells to encode
        bounds = self._bounds(planes, valid, results, len(fmt.channels))
        scale_planes(planes, *bounds, valid, clip=self.scaling == 'fixed')
        grid = place_persons(planes, self.persons)
        results['ori_shape'] = grid.shape[1:]
        results['img'] = resize(grid, self.size)
        results['img_shape'] = results['img'].shape[:2]
        return results

    def _num_persons(self, results: dict) -> int:
        if self.num_persons is not None:
            return self.num_persons
        if results.get('max_persons') is not None:
            return int(results['max_persons'])
        return len(results['keypoint'])

    def _bounds(self, planes: np.ndarray, valid: np.ndarray, results: dict,
                group: int):
        """Per-channel ``(low, high)`` of the scaling: ``value_range`` or
        the min and max of the ``valid`` cells. Channels come in streams
        of ``group`` (x, y, z of the joints, then of the motion...), each
        stream scaled as it would be alone."""
        if self.scaling != 'fixed' and not valid.any():
            raise SkeletonSampleError(f'{describe_sample(results)} holds no '
                                      'finite joint coordinate.')
        group = group if len(planes) % group == 0 else len(planes)
        if self.scaling == 'minmax':
            return minmax_bounds(planes, valid)
        if self.scaling == 'centred':
            low, high = minmax_bounds(planes, valid)
            half = (high - low).reshape(-1, group).max(axis=1) / 2
            middle, half = (low + high) / 2, np.repeat(half, group)
            return middle - half, middle + half
        bounds = [np.float32(bound).reshape(-1) for bound in self.value_range]
        if not {bound.size for bound in bounds} <= {1, group, len(planes)}:
            raise SkeletonSampleError(
                f'{describe_sample(results)} has {len(planes)} channels but '
                f'value_range gives {[b.size for b in bounds]} bounds.')
        return [np.resize(bound, len(planes)) for bound in bounds]

    def _encode_clips(self, results: dict) -> dict:
        """Encode each of ``num_clips`` clips (consecutive equal spans of
        frames, as ``UniformSampleFrames(num_clips=N)`` + ``PoseDecode``
        lay them out) alone; stack them channels-first."""
        num_clips = int(results['num_clips'])
        frames = results['keypoint'].shape[1]
        if frames % num_clips:
            raise SkeletonSampleError(
                f'{describe_sample(results)}: {frames} frames do not split '
                f'into num_clips={num_clips} equal clips.')
        images = []
        for clip in np.split(np.arange(frames), num_clips):
            one = dict(results, keypoint=results['keypoint'][:, clip],
                       num_clips=1)
            if results.get('keypoint_present') is not None:
                one['keypoint_present'] = results['keypoint_present'][:, clip]
            images.append(self.transform(one)['img'])
        results['img'] = np.ascontiguousarray(
            np.stack(images).transpose(0, 3, 1, 2))
        results['img_shape'] = images[0].shape[:2]
        results['ori_shape'] = one['ori_shape']
        return results

    def __repr__(self) -> str:
        args = ('skeleton_format', 'persons', 'num_persons', 'scaling',
                'value_range', 'size', 'nan')
        return f'{type(self).__name__}(' + ', '.join(
            f'{arg}={getattr(self, arg)!r}' for arg in args) + ')'


def select_persons(keypoint, present, num_persons: int):
    """The first ``num_persons`` persons, padded with absent ones."""
    missing = num_persons - len(keypoint)
    if missing > 0:
        keypoint = np.concatenate(
            [keypoint, np.zeros((missing, ) + keypoint.shape[1:], 'f4')])
        present = np.concatenate([present, np.zeros((missing, ) +
                                                    present.shape[1:], bool)])
    return keypoint[:num_persons], present[:num_persons]


def gather_planes(keypoint: np.ndarray, order: Sequence[int]) -> np.ndarray:
    """Channel planes ``[C, M, T, J]`` of ``keypoint`` ``[M, T, V, C]``,
    joints in S2I ``order`` (a copy)."""
    return keypoint.transpose(3, 0, 1, 2).take(order, axis=3)


def minmax_bounds(planes: np.ndarray, valid: np.ndarray):
    """Per-channel min and max of ``planes`` ``[C, ...]`` over its
    ``valid`` cells (0 and 0 for a channel without any)."""
    values, valid = (x.reshape(len(planes), -1) for x in (planes, valid))
    low = values.min(axis=1, where=valid, initial=np.inf)
    high = values.max(axis=1, where=valid, initial=-np.inf)
    empty = low > high
    low[empty] = high[empty] = 0.
    return low, high


def scale_planes(planes: np.ndarray, low: np.ndarray, high: np.ndarray,
                 valid: np.ndarray, clip: bool) -> None:
    """``(v - low) / (high - low)`` per channel of ``planes`` ``[C, ...]``,
    in place and in float32 (exactly 0 at ``low`` and 1 at ``high``; a
    constant channel becomes 0), clipped to [0, 1] if ``clip``; cells not
    ``valid`` become 0."""
    span = (high - low).astype(np.float32)
    span[span == 0] = 1.
    planes -= low.astype(np.float32)[:, None, None, None]
    planes /= span[:, None, None, None]
    if clip:
        np.clip(planes, 0., 1., out=planes)
    np.copyto(planes, 0., where=~valid)


def place_persons(planes: np.ndarray, layout: str) -> np.ndarray:
    """Lay the persons' planes ``[C, M, T, J]`` out as one grid: with
    ``'side_by_side'`` row ``t`` holds person 0's joints, then person 1's...
    (``[C, T, M * J]``); with ``'stacked_time'`` (and ``'first'``, where M
    is 1) person 0's frames come first, then person 1's (``[C, M * T, J]``).
    """
    channels, persons, frames, joints = planes.shape
    if layout == 'side_by_side':
        return np.ascontiguousarray(planes.transpose(0, 2, 1, 3)).reshape(
            channels, frames, persons * joints)
    return planes.reshape(channels, persons * frames, joints)


def resize(grid: np.ndarray, size: Optional[Tuple[int, int]]) -> np.ndarray:
    """The ``[H, W, C]`` image of a ``[C, rows, columns]`` grid, resized
    bilinearly to ``size`` unless it is None."""
    img = cv2.merge(tuple(grid))
    if size is not None and grid.shape[1:] != size:
        img = cv2.resize(img, size[::-1], interpolation=cv2.INTER_LINEAR)
    return img if img.ndim == 3 else img[..., None]
