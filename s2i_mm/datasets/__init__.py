"""Skeleton datasets, the mmengine side: ``SkeletonDataset`` (with its
preprocessing cache and splits), mixed formats, the synthetic generator and
the skeleton transforms.

Importing the package costs nothing: each name below is imported from its
module on first use, so the numpy-only parts (``preprocess``, ``splits``,
``synthetic``) serve torch-free tools. The registries import the modules
that register classes (``s2i_mm.registry``).
"""
from s2i_mm.utils.lazy_exports import lazy_exports

#: public name -> the module that defines it
_EXPORTS = {
    'DEFAULT_PREPROCESS': 'skeleton_dataset',
    'SkeletonDataset': 'skeleton_dataset',
    'MixedFormatDataset': 'mixed_format',
    'MixedFormatSampler': 'mixed_format',
    'normalize_preprocess': 'preprocess',
    'preprocess_keypoint': 'preprocess',
    'resolve_split': 'splits',
    'semi_supervised_subset': 'splits',
    'FastUniformSampleFrames': 'transforms',
    'RandomSkeletonAffine': 'transforms',
    'S2IEncode': 'transforms',
    'SkeletonModality': 'transforms',
    'SkeletonSampleError': 'transforms',
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
