"""Skeleton datasets: mmaction2 pkl files, packed stores, mixed formats and
the synthetic generator."""
# mmaction2's skeleton transforms (UniformSampleFrames, PoseDecode, ...) live
# in the parent registry of ours; import them so that they are registered.
import mmaction.datasets.transforms  # noqa: F401

from .annotation import (
    SkeletonDataError,
    dump_annotation_file,
    load_annotation_file,
)
from .converters.writer import write_annotation_file
from .mixed_format import MixedFormatDataset, MixedFormatSampler
from .preprocess import normalize_preprocess, preprocess_keypoint
from .skeleton_dataset import DEFAULT_PREPROCESS, SkeletonDataset
from .splits import resolve_split, semi_supervised_subset
from .store import SkeletonStore, is_store, write_store
from .transforms import *  # noqa: F401,F403

__all__ = [
    'DEFAULT_PREPROCESS', 'MixedFormatDataset', 'MixedFormatSampler',
    'SkeletonDataError', 'SkeletonDataset',
    'SkeletonStore', 'dump_annotation_file', 'is_store',
    'load_annotation_file', 'normalize_preprocess', 'preprocess_keypoint',
    'resolve_split', 'semi_supervised_subset', 'write_annotation_file',
    'write_store'
]
