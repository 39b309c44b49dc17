"""Skeleton files on disk (numpy and the standard library only): the
annotation schema, the restricted pickle reader, the packed store and
all-or-nothing writes."""
from .annotation import (
    SkeletonDataError,
    check_sample,
    dump_annotation_file,
    load_annotation_file,
    read_pickle,
)
from .file_names import sample_file_name
from .store import SkeletonStore, is_store, write_store

__all__ = [
    'SkeletonDataError', 'SkeletonStore', 'check_sample',
    'dump_annotation_file', 'is_store', 'load_annotation_file',
    'read_pickle', 'sample_file_name', 'write_store'
]
