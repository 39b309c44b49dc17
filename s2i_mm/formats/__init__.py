"""Skeleton formats: layouts as data, a registry, and the built-ins."""
from .builtin_formats import COCO17, KINECT20, LCRNET13, NTU25
from .format_reference import (
    is_spec_path,
    rebase_format_reference,
    record_format_reference,
    resolve_format_reference,
)
from .format_registry import (
    FORMATS,
    SPEC_EXTENSIONS,
    FormatRegistry,
    get_format,
    list_formats,
    load_format_spec,
    register_format,
)
from .gcn_layout import MMACTION_LAYOUTS, gcn_graph_cfg, gcn_layout
from .skeleton_format import (
    BODY_PARTS,
    SkeletonFormat,
    SkeletonFormatError,
    derive_s2i_order,
)

__all__ = [
    'BODY_PARTS', 'COCO17', 'FORMATS', 'FormatRegistry', 'KINECT20',
    'LCRNET13', 'MMACTION_LAYOUTS', 'NTU25', 'SPEC_EXTENSIONS',
    'SkeletonFormat', 'SkeletonFormatError', 'derive_s2i_order',
    'gcn_graph_cfg', 'gcn_layout', 'get_format', 'is_spec_path',
    'list_formats', 'load_format_spec', 'rebase_format_reference',
    'record_format_reference', 'register_format', 'resolve_format_reference'
]
