"""Skeleton transforms: augmentation, modalities, S2I encoding, fast frame
sampling."""
# mmaction2's skeleton transforms (UniformSampleFrames, PoseDecode, ...) live
# in the parent registry of ours; import them so that they are registered.
import mmaction.datasets.transforms  # noqa: F401

from .fast_uniform_sample_frames import FastUniformSampleFrames
from .s2i_encode import S2IEncode
from .skeleton_augment import RandomSkeletonAffine
from .skeleton_modality import SkeletonModality
from .skeleton_sample import SkeletonSampleError

__all__ = [
    'FastUniformSampleFrames', 'RandomSkeletonAffine', 'S2IEncode',
    'SkeletonModality', 'SkeletonSampleError'
]
