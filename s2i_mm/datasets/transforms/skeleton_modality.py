"""Joint, bone and motion modalities of a skeleton sample, for any
format."""
from typing import List, Optional, Sequence, Union

import numpy as np
from mmcv.transforms import BaseTransform

from s2i_mm.formats import SkeletonFormat
from s2i_mm.formats.modalities import MODALITIES, normalize_modalities
from s2i_mm.registry import TRANSFORMS

from .skeleton_sample import FormatResolver, checked_keypoint, present_mask

__all__ = [
    'SkeletonModality', 'MODALITIES', 'normalize_modalities', 'bone', 'motion'
]

def _score_channels(fmt: SkeletonFormat, channels: int) -> List[int]:
    if channels != len(fmt.channels):
        return []
    return [c for c, name in enumerate(fmt.channels) if name == 'score']


def bone(keypoint: np.ndarray, fmt: SkeletonFormat) -> np.ndarray:
    """Bone vectors: each joint minus its parent (zero at the centre).

    A ``score`` channel (2D formats) is the mean of the two joints' scores,
    as mmaction2's ``JointToBone`` does.

    Args:
        keypoint (np.ndarray): [M, T, V, C].
        fmt (SkeletonFormat): Format giving the parents.

    Returns:
        np.ndarray: [M, T, V, C] float32.
    """
    parent = keypoint[:, :, fmt.parent_index]
    out = keypoint - parent
    for c in _score_channels(fmt, keypoint.shape[-1]):
        out[..., c] = (keypoint[..., c] + parent[..., c]) / 2
    return out


def motion(values: np.ndarray, present: np.ndarray, fmt: SkeletonFormat,
           clip_len: Optional[int] = None) -> np.ndarray:
    """Motion: the difference to the next frame; the last frame is zero.

    Motion is also zero at frame ``t`` when the person is absent in frame
    ``t`` or ``t + 1`` (a jump from or to a zero-filled frame is not a
    movement). A ``score`` channel is the mean of the two frames' scores.

    Args:
        values (np.ndarray): [M, T, V, C] joints or bones.
        present (np.ndarray): bool [M, T], person-frames with a skeleton.
        fmt (SkeletonFormat): Format giving the channel names.
        clip_len (int, optional): When ``T`` holds several clips of this
            length (multi-clip sampling), the last frame of every clip is
            zero too: motion never spans two clips.

    Returns:
        np.ndarray: [M, T, V, C] float32.
    """
    out = np.zeros_like(values)
    out[:, :-1] = values[:, 1:] - values[:, :-1]
    for c in _score_channels(fmt, values.shape[-1]):
        out[:, :-1, :, c] = (values[:, 1:, :, c] + values[:, :-1, :, c]) / 2
    both = present[:, :-1] & present[:, 1:]
    if not both.all():
        out[:, :-1][~both] = 0.
    if clip_len:
        out[:, clip_len - 1::clip_len] = 0.
    return out


@TRANSFORMS.register_module()
class SkeletonModality(BaseTransform):
    """Turn joint coordinates into one or more modality streams.

    ``'j'`` joint (the coordinates), ``'b'`` bone (joint minus its parent,
    from the format's tree), ``'m'`` motion (next frame minus this frame,
    last frame zero) and ``'bm'`` bone motion. One modality gives one
    stream (e.g. the bone stream of a three-stream model); several are
    stacked along the channel axis in the given order (``('j', 'b', 'm')``
    gives C * 3 channels), as mmaction2's ``GenSkeFeat`` does.

    Why not mmaction2's ``JointToBone`` / ``ToMotion`` / ``GenSkeFeat``:
    their bone pairs are three fixed tables (``'nturgb+d'``, ``'openpose'``,
    ``'coco'``), so a Kinect v1, LCR-Net or user-registered layout has no
    bones; here they come from the format's parents, for any layout. Their
    motion is a plain frame difference: it spans a person's absent
    (zero-filled) frames, turning missing data into large false movements,
    and, computed after multi-clip sampling, the joins between clips; here
    motion is zero there. And the present person-frames are kept
    (``keypoint_present``): after a bone or motion transform a zero value
    no longer means "no skeleton".

    Required Keys:

        - keypoint (np.ndarray): float [M, T, V, C] joint coordinates.
        - skeleton_format (str, optional): needed unless the transform has
          ``skeleton_format``.
        - num_clips, clip_len (int, optional): set by multi-clip frame
          sampling; motion then stops at every clip's last frame.

    Modified Keys:

        - keypoint: [M, T, V, C * len(modalities)].

    Added Keys:

        - keypoint_present (np.ndarray): bool [M, T], person-frames holding
          a skeleton in the joint coordinates (a bone or motion value may be
          zero where the person is present; :class:`S2IEncode` uses this
          mask rather than guessing from the values).

    Args:
        modalities (str | Sequence[str]): Names from :data:`MODALITIES`.
            Defaults to ``('j', )``.
        skeleton_format (str | dict | SkeletonFormat, optional): Format of
            every sample. Defaults to None: use each sample's
            ``skeleton_format`` key.
    """

    def __init__(self,
                 modalities: Union[str, Sequence[str]] = ('j', ),
                 skeleton_format=None) -> None:
        self.modalities = normalize_modalities(modalities)
        self.skeleton_format = skeleton_format
        self._formats = FormatResolver(skeleton_format)

    def transform(self, results: dict) -> dict:
        """Replace ``keypoint`` by the stacked modality streams."""
        fmt = self._formats(results)
        joints = checked_keypoint(results, fmt)
        present = present_mask(joints)
        bones = None
        streams = []
        clip_len = (results.get('clip_len')
                    if results.get('num_clips', 1) > 1 else None)
        for name in self.modalities:
            if name in ('b', 'bm') and bones is None:
                bones = bone(joints, fmt)
            if name == 'j':
                streams.append(joints)
            elif name == 'b':
                streams.append(bones)
            elif name == 'm':
                streams.append(motion(joints, present, fmt, clip_len))
            else:
                streams.append(motion(bones, present, fmt, clip_len))
        results['keypoint'] = (
            streams[0]
            if len(streams) == 1 else np.concatenate(streams, axis=-1))
        results['keypoint_present'] = present
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(modalities={self.modalities}, '
                f'skeleton_format={self.skeleton_format!r})')
