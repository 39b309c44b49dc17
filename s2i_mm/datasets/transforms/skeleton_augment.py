"""Random spatial augmentation of a skeleton sample, for any layout."""
from typing import Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from s2i_mm.registry import TRANSFORMS

from .skeleton_sample import FormatResolver, checked_keypoint

__all__ = ['RandomSkeletonAffine', 'random_affine_matrix']

Range = Union[float, Sequence[float]]


def _per_axis(value: Range, name: str) -> np.ndarray:
    values = np.broadcast_to(np.asarray(value, np.float64), (3, ))
    if np.any(values < 0):
        raise ValueError(f'{name} must be >= 0, got {value}')
    return values


def random_affine_matrix(rng: np.random.Generator, rotate: np.ndarray,
                         scale: np.ndarray, shear: np.ndarray) -> np.ndarray:
    """A random 3 x 3 map ``rotation @ shear @ scale``.

    Args:
        rng (np.random.Generator): The random source.
        rotate (np.ndarray): Largest angle (degrees) about x, y and z; each
            angle is uniform in ``[-a, a]``.
        scale (np.ndarray): Largest relative scaling per axis; each factor
            is uniform in ``[1 - s, 1 + s]``.
        shear (np.ndarray): Largest shear coefficient per axis; the
            off-diagonal entries of row ``i`` are uniform in
            ``[-shear[i], shear[i]]``.

    Returns:
        np.ndarray: float64 ``[3, 3]``; coordinates map as ``x @ M.T``.
    """
    ax, ay, az = np.deg2rad(rng.uniform(-rotate, rotate))
    cx, sx, cy, sy, cz, sz = (np.cos(ax), np.sin(ax), np.cos(ay),
                              np.sin(ay), np.cos(az), np.sin(az))
    rot_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    rot_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    shear_m = np.eye(3) + (1 - np.eye(3)) * rng.uniform(
        -shear[:, None], shear[:, None], (3, 3))
    scale_m = np.diag(rng.uniform(1 - scale, 1 + scale))
    return rot_z @ rot_y @ rot_x @ shear_m @ scale_m


@TRANSFORMS.register_module()
class RandomSkeletonAffine(BaseTransform):
    """Apply one random rotation, shear and scaling to a whole sample.

    The same 3 x 3 map moves every joint of every person in every frame,
    about the origin (the dataset's preprocessing centres samples on the
    format's centre joint), so the motion stays coherent: a new viewpoint
    (rotation, mostly about the vertical axis), body shape (per-axis scale)
    and camera skew (shear). Person-frames that hold no skeleton stay zero.
    Channels other than the format's ``x``, ``y``, ``z`` (e.g. a score) are
    untouched; a 2D format (``x``, ``y``) uses the in-plane part of the map.

    This is the spatial augmentation skeleton models on small datasets
    rely on (random rotation and scaling in CTR-GCN's NW-UCLA loader,
    shear in SkeletonCLR / AimCLR); mmaction2 1.2 has no such transform
    for 3D skeletons (its ``PreNormalize3D`` is a fixed normalisation).
    Place it after frame sampling (``PoseDecode``), before
    ``SkeletonModality``, so bones and motion follow the moved joints.

    Required Keys:

        - keypoint (np.ndarray): float [M, T, V, C].
        - skeleton_format (str, optional): needed unless the transform
          has ``skeleton_format``.

    Modified Keys:

        - keypoint

    Args:
        rotate (float | Sequence[float]): Largest rotation in degrees about
            the x, y and z axes (one value for all). Defaults to 0.
        scale (float | Sequence[float]): Largest relative scaling per axis:
            factors uniform in ``[1 - s, 1 + s]``. Defaults to 0.
        shear (float | Sequence[float]): Largest shear coefficient per
            axis. Defaults to 0.
        skeleton_format (str | dict | SkeletonFormat, optional): Format of
            every sample; defaults to each sample's ``skeleton_format``.
        seed (int, optional): Seed of this transform's own random source;
            ``None`` (default) draws from numpy's global state, which
            mmengine seeds per worker.
    """

    def __init__(self,
                 rotate: Range = 0.,
                 scale: Range = 0.,
                 shear: Range = 0.,
                 skeleton_format=None,
                 seed: Optional[int] = None) -> None:
        self.rotate = _per_axis(rotate, 'rotate')
        self.scale = _per_axis(scale, 'scale')
        if np.any(self.scale >= 1):
            raise ValueError(f'scale must be < 1, got {scale}')
        self.shear = _per_axis(shear, 'shear')
        self.skeleton_format = skeleton_format
        self.seed = seed
        self._formats = FormatResolver(skeleton_format)
        self._rng = (np.random.default_rng(seed) if seed is not None else
                     None)

    def _generator(self) -> np.random.Generator:
        if self._rng is not None:
            return self._rng
        return np.random.default_rng(np.random.randint(2**31))

    def transform(self, results: dict) -> dict:
        """Move ``results['keypoint']`` by one random affine map."""
        fmt = self._formats(results)
        keypoint = checked_keypoint(results, fmt)
        channels = keypoint.shape[-1]
        coords = ([c for c, name in enumerate(fmt.channels)
                   if name in ('x', 'y', 'z')]
                  if channels == len(fmt.channels) else
                  list(range(min(channels, 3))))
        matrix = random_affine_matrix(self._generator(), self.rotate,
                                      self.scale, self.shear)
        matrix = matrix[:len(coords), :len(coords)].astype(np.float32)
        # a linear map: absent (all-zero) person-frames stay zero
        out = keypoint.copy()
        out[..., coords] = keypoint[..., coords] @ matrix.T
        results['keypoint'] = out
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(rotate={self.rotate.tolist()}, '
                f'scale={self.scale.tolist()}, shear={self.shear.tolist()}, '
                f'skeleton_format={self.skeleton_format!r}, '
                f'seed={self.seed})')
