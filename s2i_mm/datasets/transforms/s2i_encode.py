"""Skeleton-to-Image (S2I) encoding of a skeleton sample."""
import math
from typing import Optional, Sequence, Tuple, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from s2i_mm.registry import TRANSFORMS

from .skeleton_sample import (
    FormatResolver,
    SkeletonSampleError,
    checked_keypoint,
    describe_sample,
    present_mask,
)

__all__ = ['S2IEncode']

PERSON_LAYOUTS = ('side_by_side', 'stacked_time', 'first')
SCALINGS = ('minmax', 'fixed')
NAN_POLICIES = ('error', 'zero')

Bound = Union[float, Sequence[float]]


@TRANSFORMS.register_module()
class S2IEncode(BaseTransform):
    """Encode a skeleton sequence as an image (Skeleton-to-Image, S2I).

    Joints are reordered into the format's S2I column order (torso, left
    arm, right arm, left leg, right leg; proximal to distal inside a part),
    stacked over time (rows = frames, columns = joints), the channels
    (x, y, z -> R, G, B) are scaled to [0, 1] and the grid is resized with
    linear interpolation.

    Value scaling happens on the T x J grid before resizing (bilinear
    interpolation commutes with a per-channel affine map). Person-frames
    that hold no skeleton (all coordinates zero, or ``keypoint_present``
    False) are left out of the scaling statistics and stay exactly zero in
    the image, as do padded persons.

    Resizing uses OpenCV ``INTER_LINEAR``, i.e. half-pixel centres: the
    same image as ``torch.nn.functional.interpolate(mode='bilinear',
    align_corners=False)``, so ``size=None`` with a later on-device resize
    gives the same input to the model.

    Required Keys:

        - keypoint (np.ndarray): float [M, T, V, C].
        - skeleton_format (str, optional): format of the sample; needed
          unless the transform has ``skeleton_format``.
        - keypoint_present (np.ndarray, optional): bool [M, T], added by
          :class:`SkeletonModality`; derived from ``keypoint`` otherwise.

    Added Keys:

        - img (np.ndarray): float32 [H, W, C], values in [0, 1]. With
          ``num_clips`` N > 1 in the results (test-time multi-clip
          sampling), each clip is encoded alone and ``img`` is
          ``[N, C, H, W]``: channels-first, because mmpretrain's
          ``PackInputs`` transposes only 3-D arrays; ``S2IClassifier``
          averages the clips' scores.
        - img_shape (tuple): ``(H, W)``.
        - ori_shape (tuple): ``(rows, columns)`` of the grid before
          resizing.

    Args:
        skeleton_format (str | dict | SkeletonFormat, optional): Format of
            every sample (name, spec file or spec dict). Defaults to None:
            use each sample's ``skeleton_format`` key.
        persons (str): Persons layout. ``'side_by_side'`` (default): the
            persons' joint columns are concatenated, width
            ``num_persons * V``; ``'stacked_time'``: the persons' frame rows
            are concatenated, height ``num_persons * T``; ``'first'``: only
            the first person.
        num_persons (int): Persons in the image for the two multi-person
            layouts; missing persons are zero, extra ones are dropped (the
            first ``num_persons`` are kept, as mmaction2's
            ``FormatGCNInput`` does). Defaults to 2.
        scaling (str): ``'minmax'`` (default): per-sample, per-channel
            min-max over the present person-frames to [0, 1] (a constant
            channel maps to 0); ``'fixed'``: ``(v - low) / (high - low)``
            with ``value_range``, clipped to [0, 1], the same map for every
            sample and dataset.
        value_range (tuple, optional): ``(low, high)`` for ``'fixed'``
            scaling, each a float or one float per channel.
        size (int | tuple[int, int] | None): Output ``(height, width)``.
            Defaults to ``(224, 224)``. ``None`` keeps the grid (rows x
            columns) for a resize on the device.
        nan (str): Non-finite coordinates: ``'error'`` (default) raises an
            error naming the sample; ``'zero'`` treats them as missing:
            excluded from the scaling and zero in the image.
    """

    def __init__(self,
                 skeleton_format=None,
                 persons: str = 'side_by_side',
                 num_persons: int = 2,
                 scaling: str = 'minmax',
                 value_range: Optional[Tuple[Bound, Bound]] = None,
                 size: Union[int, Tuple[int, int], None] = (224, 224),
                 nan: str = 'error') -> None:
        _check_choice('persons', persons, PERSON_LAYOUTS)
        _check_choice('scaling', scaling, SCALINGS)
        _check_choice('nan', nan, NAN_POLICIES)
        if int(num_persons) < 1:
            raise ValueError(f'num_persons must be >= 1, got {num_persons}.')
        self.skeleton_format = skeleton_format
        self.persons = persons
        self.num_persons = 1 if persons == 'first' else int(num_persons)
        self.scaling = scaling
        self.value_range = value_range
        self.low, self.high = _fixed_bounds(scaling, value_range)
        if isinstance(size, int):
            size = (size, size)
        if size is not None and (len(size) != 2 or min(size) < 1):
            raise ValueError(f'size must be (height, width) or None, got '
                             f'{size}.')
        self.size = None if size is None else (int(size[0]), int(size[1]))
        self.nan = nan
        self._formats = FormatResolver(skeleton_format)
        self._index_cache: dict = {}

    # ------------------------------------------------------------------
    def transform(self, results: dict) -> dict:
        """Encode ``results['keypoint']`` into ``results['img']``."""
        num_clips = int(results.get('num_clips', 1))
        if num_clips > 1:
            return self._encode_clips(results, num_clips)
        fmt = self._formats(results)
        keypoint = checked_keypoint(results, fmt)
        present = results.get('keypoint_present')
        if present is None:
            present = present_mask(keypoint)
        elif np.shape(present) != keypoint.shape[:2]:
            raise SkeletonSampleError(
                f'{describe_sample(results)}: keypoint_present has shape '
                f'{np.shape(present)}, keypoint has [M, T] = '
                f'{keypoint.shape[:2]}.')
        keypoint, present = self._select_persons(keypoint, present)
        num_present = np.count_nonzero(present)
        if not num_present:
            raise SkeletonSampleError(
                f'{describe_sample(results)} holds no skeleton: every '
                'person-frame is empty (all zeros).')

        grid = (self._minmax_grid(fmt, keypoint, present, num_present)
                if self.scaling == 'minmax' else None)
        if grid is None:  # fixed scaling or non-finite values
            planes = self._gather(fmt, keypoint)
            grid = cv2.merge(tuple(
                self._scaled(planes, present, num_present, keypoint,
                             results)))
        if grid.ndim == 2:
            grid = grid[..., None]

        results['ori_shape'] = grid.shape[:2]
        img = self._resize(grid)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        return results

    def _encode_clips(self, results: dict, num_clips: int) -> dict:
        """Encode each of ``num_clips`` clips (consecutive equal spans of
        frames, as ``UniformSampleFrames(num_clips=N)`` + ``PoseDecode``
        lay them out) as its own image; stack them channels-first."""
        keypoint = results['keypoint']
        present = results.get('keypoint_present')
        if keypoint.shape[1] % num_clips:
            raise SkeletonSampleError(
                f'{describe_sample(results)}: {keypoint.shape[1]} frames '
                f'do not split into num_clips={num_clips} equal clips.')
        clip_len = keypoint.shape[1] // num_clips
        images = []
        for c in range(num_clips):
            frames = slice(c * clip_len, (c + 1) * clip_len)
            clip = dict(results, keypoint=keypoint[:, frames], num_clips=1)
            if present is not None:
                clip['keypoint_present'] = present[:, frames]
            images.append(self.transform(clip)['img'])
            results['ori_shape'] = clip['ori_shape']
        results['img'] = np.ascontiguousarray(
            np.stack(images).transpose(0, 3, 1, 2))
        results['img_shape'] = images[0].shape[:2]
        return results

    # ------------------------------------------------------------------
    def _select_persons(self, keypoint, present):
        persons = keypoint.shape[0]
        wanted = self.num_persons
        if persons >= wanted:
            return keypoint[:wanted], present[:wanted]
        padded = np.zeros((wanted, ) + keypoint.shape[1:], np.float32)
        padded[:persons] = keypoint
        padded_present = np.zeros((wanted, keypoint.shape[1]), bool)
        padded_present[:persons] = present
        return padded, padded_present

    def _minmax_grid(self, fmt, keypoint: np.ndarray, present: np.ndarray,
                     num_present: int) -> Optional[np.ndarray]:
        """The min-max scaled grid ``[rows, columns, C]`` of a sample whose
        values are all finite; None otherwise.

        One gather builds the grid channel-planar, ``[C, rows, columns]``:
        per-channel statistics and scaling then run along contiguous memory
        (numpy is slow on a short last axis); OpenCV merges the planes into
        ``[rows, columns, C]`` for the resize.
        """
        planes = self._gather(fmt, keypoint)
        cells = (None if num_present == present.size else
                 self._present_cells(present, planes.shape[1:]))
        return _minmax_scaled(planes, cells)

    def _gather(self, fmt, keypoint: np.ndarray) -> np.ndarray:
        """The planar grid ``[C, rows, columns]`` of ``keypoint``: one
        ``take`` from its memory, read in place whatever its axis order
        (``PoseDecode`` returns frame-major memory)."""
        key = (id(fmt), keypoint.shape, keypoint.strides)
        cached = self._index_cache.get(key)
        if cached is None or cached[0] is not fmt:
            cached = self._index_cache[key] = self._gather_plan(
                fmt, keypoint)
        _, axes, index = cached
        if axes is None:  # memory not one dense block
            keypoint = np.ascontiguousarray(keypoint)
        else:
            keypoint = keypoint.transpose(axes)
        # every index is valid: 'wrap' only skips numpy's bounds check
        return keypoint.reshape(-1).take(index, mode='wrap')

    def _gather_plan(self, fmt, keypoint: np.ndarray) -> tuple:
        """``(fmt, axes, index)``: ``keypoint.transpose(axes)`` is its
        memory in order (``axes`` None: copy to C order first) and
        ``index`` the flat position in it of every cell of the planar grid
        ``[C, rows, columns]``.

        ``side_by_side``: row ``t``, column ``(person, j)``;
        ``stacked_time`` and ``first``: row ``(person, t)``, column ``j``;
        ``j`` runs over ``fmt.s2i_order``.
        """
        if len(self._index_cache) >= 64:
            self._index_cache.clear()
        axes = sorted(range(keypoint.ndim),
                      key=keypoint.strides.__getitem__, reverse=True)
        if not keypoint.transpose(axes).flags.c_contiguous:
            axes, keypoint = None, np.ascontiguousarray(keypoint)
        persons, frames, _, channels = keypoint.shape
        person_step, frame_step, joint_step, channel_step = (
            stride // keypoint.itemsize for stride in keypoint.strides)
        order = np.asarray(fmt.s2i_order, np.intp) * joint_step
        person_offset = np.arange(persons, dtype=np.intp) * person_step
        frame_offset = np.arange(frames, dtype=np.intp) * frame_step
        if self.persons == 'side_by_side':
            columns = (person_offset[:, None] + order).reshape(-1)
            rows = frame_offset
        else:
            columns = order
            rows = (person_offset[:, None] + frame_offset).reshape(-1)
        index = (np.arange(channels, dtype=np.intp)[:, None, None] *
                 channel_step + rows[None, :, None] + columns[None, None, :])
        return fmt, axes, index

    def _present_cells(self, present: np.ndarray, grid_shape) -> np.ndarray:
        """uint8 ``[rows, columns]`` mask of the grid cells that belong to
        a present person-frame (OpenCV's mask type)."""
        if self.persons == 'side_by_side':
            rows_by_person = present.T  # [T, persons]
        else:
            rows_by_person = present.reshape(-1, 1)  # [persons * T, 1]
        repeats = grid_shape[1] // rows_by_person.shape[1]
        return rows_by_person.view(np.uint8).repeat(repeats, axis=1)

    def _scaled(self, planes, present, num_present, keypoint,
                results) -> np.ndarray:
        """Scale ``planes`` in place to [0, 1] and zero the cells of absent
        person-frames: the general path (``'fixed'`` scaling, non-finite
        values)."""
        blocks = (None if num_present == present.size else
                  self._person_blocks(present, planes.shape[2]))
        bad = None
        if self.scaling == 'fixed':
            low, high = self._fixed_for(keypoint.shape[-1], results)
            if not np.isfinite(planes.sum()):
                bad = self._non_finite_cells(planes, keypoint, results)
        else:
            low, high = _planar_min_max(planes, blocks)
            if not np.isfinite(low.sum() + high.sum()):  # NaN or inf
                bad = self._non_finite_cells(planes, keypoint, results)
                low, high = _planar_min_max(planes, blocks, ~bad)
                if not np.isfinite(low).any():
                    raise SkeletonSampleError(
                        f'{describe_sample(results)} holds no finite joint '
                        'coordinate.')
                # a channel without any finite value
                low = np.where(np.isfinite(low), low, 0.)
                high = np.where(np.isfinite(high), high, 0.)
        planes -= low.astype(np.float32)[:, None, None]
        planes /= _span(low, high)[:, None, None]
        if self.scaling == 'fixed':
            np.clip(planes, 0., 1., out=planes)
        if bad is not None:
            planes[bad] = 0.
        for state, rows, columns in blocks or ():
            if state == 'absent':  # e.g. the padded second person
                planes[:, :, columns] = 0.
            elif state == 'partial':
                planes[:, ~rows, columns] = 0.
        return planes

    def _person_blocks(self, present: np.ndarray, width: int) -> list:
        """``(state, rows present, column slice)`` of each person's block
        of the grid (its own columns side by side, else the whole grid);
        ``state`` is ``'all'``, ``'partial'`` or ``'absent'``."""
        if self.persons == 'side_by_side':
            persons = present.shape[0]
            step = width // persons
            pairs = [(present[p], slice(p * step, (p + 1) * step))
                     for p in range(persons)]
        else:
            pairs = [(present.reshape(-1), slice(None))]
        blocks = []
        for rows, columns in pairs:
            count = np.count_nonzero(rows)
            state = ('all' if count == rows.size else
                     'partial' if count else 'absent')
            blocks.append((state, rows, columns))
        return blocks

    def _fixed_for(self, channels: int, results: dict):
        for bound in (self.low, self.high):
            if bound.size not in (1, channels):
                raise SkeletonSampleError(
                    f'{describe_sample(results)} has {channels} channels '
                    f'but value_range gives {bound.size} bounds.')
        return (np.broadcast_to(self.low, (channels, )),
                np.broadcast_to(self.high, (channels, )))

    def _non_finite_cells(self, planes, keypoint, results) -> np.ndarray:
        """Raise on non-finite values (``nan='error'``), or return their
        mask in ``planes`` (``nan='zero'``)."""
        if self.nan == 'error':
            bad = ~np.isfinite(keypoint)
            person, frame, joint, channel = np.argwhere(bad)[0]
            fmt = self._formats(results)
            raise SkeletonSampleError(
                f'{describe_sample(results)} has {int(bad.sum())} '
                f'non-finite coordinate(s), first at person {person}, frame '
                f'{frame}, joint {joint} ({fmt.joint_names[joint]}), '
                f'channel {channel}: {keypoint[person, frame, joint]}. '
                "Clean the data or use S2IEncode(nan='zero').")
        return ~np.isfinite(planes)

    def _resize(self, grid: np.ndarray) -> np.ndarray:
        if self.size is None or grid.shape[:2] == self.size:
            return grid
        height, width = self.size
        img = cv2.resize(
            grid, (width, height), interpolation=cv2.INTER_LINEAR)
        return img if img.ndim == 3 else img[..., None]

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}('
                f'skeleton_format={self.skeleton_format!r}, '
                f'persons={self.persons!r}, num_persons={self.num_persons}, '
                f'scaling={self.scaling!r}, '
                f'value_range={self.value_range!r}, size={self.size}, '
                f'nan={self.nan!r})')


def _span(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """float32 ``high - low``: ``(v - low) / span`` is exactly 0 at low and
    1 at high in float32; a constant channel (span 0) gets span 1 and
    becomes 0."""
    span = (high - low).astype(np.float32)
    span[span == 0] = 1.
    return span


def _minmax_scaled(planes: np.ndarray,
                   cells: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """Per-channel min-max scaling of a finite planar grid ``[C, rows,
    columns]`` over its present ``cells`` (uint8 mask, None when all are
    present), merged into ``[rows, columns, C]``; absent cells are 0.
    None, with ``planes`` untouched, if a value is not finite (the general
    path handles it).

    The same float32 arithmetic as the general path, ``(v - low) / span``,
    in fewer passes: whole-plane reductions (NaN propagates), OpenCV's
    masked min / max and masked copy when some person-frames are absent.
    """
    flat = planes.reshape(planes.shape[0], -1)
    if cells is None:
        lows, highs = flat.min(axis=1).tolist(), flat.max(axis=1).tolist()
        checked = lows + highs  # NaN propagates
    else:
        # NaN anywhere propagates to the max; OpenCV may skip NaN but sees
        # an infinity among the present cells
        lows, highs = zip(*[cv2.minMaxLoc(plane, cells)[:2]
                            for plane in planes])
        checked = (flat.max(), *lows, *highs)
    if not all(map(math.isfinite, checked)):
        return None
    # the bounds are float32 values; their difference taken in double and
    # rounded to float32 is the float32 difference (double has more than
    # 2 x 24 + 2 bits, so rounding twice is exact); a constant channel
    # gets span 1, as in _span
    spans = [hi - lo or 1. for lo, hi in zip(lows, highs)]
    low, span = np.array([lows, spans], np.float32)[:, :, None, None]
    planes -= low
    planes /= span
    grid = cv2.merge(tuple(planes))
    return grid if cells is None else cv2.copyTo(grid, cells)


def _planar_min_max(planes: np.ndarray, blocks: Optional[list],
                    finite: Optional[np.ndarray] = None):
    """Per-channel min and max of a ``[C, rows, columns]`` grid over the
    present person-frames (``blocks`` from ``_person_blocks``; None when
    all are present) and, if given, the ``finite`` cells. NaN if a
    NaN is among them; +-inf for a channel without any such cell."""
    channels = planes.shape[0]
    if blocks is None:  # every person-frame present
        if finite is None:
            flat = planes.reshape(channels, -1)
            return flat.min(axis=1), flat.max(axis=1)
        blocks = [('all', None, slice(None))]
    low = np.full(channels, np.inf, np.float32)
    high = np.full(channels, -np.inf, np.float32)
    for state, rows, columns in blocks:
        if state == 'absent':
            continue
        block = planes[:, :, columns] if state == 'all' else planes[:, rows,
                                                                   columns]
        if finite is None:
            np.minimum(low, block.min(axis=(1, 2)), out=low)
            np.maximum(high, block.max(axis=(1, 2)), out=high)
            continue
        mask = (finite[:, :, columns] if state == 'all' else
                finite[:, rows, columns]).reshape(channels, -1)
        block = block.reshape(channels, -1)
        np.minimum(low, block.min(axis=1, initial=np.inf, where=mask),
                   out=low)
        np.maximum(high, block.max(axis=1, initial=-np.inf, where=mask),
                   out=high)
    return low, high


def _check_choice(arg: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ValueError(f'{arg} must be one of {list(choices)}, got '
                         f'{value!r}.')


def _fixed_bounds(scaling: str, value_range):
    if scaling != 'fixed':
        if value_range is not None:
            raise ValueError(
                "value_range is used only with scaling='fixed'.")
        return None, None
    if value_range is None or len(value_range) != 2:
        raise ValueError(
            "scaling='fixed' needs value_range=(low, high), each a float "
            'or one float per channel.')
    low = np.asarray(value_range[0], np.float32)
    high = np.asarray(value_range[1], np.float32)
    if not np.all(high > low):
        raise ValueError(
            f'value_range needs high > low, got {value_range}.')
    return low, high
