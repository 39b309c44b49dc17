"""A skeleton format as the graph layout of mmaction2's GCNs.

:func:`gcn_layout` is the dict layout (``num_node``, ``inward``,
``center``) mmaction2's ``Graph`` takes, made from a format's bones and
centre; :func:`gcn_graph_cfg` rewrites a ``graph_cfg`` naming an s2i_mm
format into it. See docs/models.md, "GCNs (mmaction2) on any layout".
"""
from typing import Union

from .format_registry import get_format
from .skeleton_format import SkeletonFormat

__all__ = ['MMACTION_LAYOUTS', 'gcn_layout', 'gcn_graph_cfg']

#: The layout names mmaction2's ``Graph`` knows itself; they keep their
#: upstream meaning (its joint order and edges).
MMACTION_LAYOUTS = ('openpose', 'nturgb+d', 'coco')

FormatRef = Union[str, dict, SkeletonFormat]


def gcn_layout(fmt: FormatRef) -> dict:
    """The graph of a skeleton format as mmaction2's ``Graph`` layout dict.

    Args:
        fmt (str | dict | SkeletonFormat): A registered format name, a spec
            file path, an inline spec dict or a format (as
            :func:`~s2i_mm.formats.get_format` takes them).

    Returns:
        dict: ``num_node`` (the joint count), ``inward`` (one
        ``(child, parent)`` pair per bone, in joint order) and ``center``
        (the format's centre joint), all plain ints.

    Example:
        >>> gcn_layout('lcrnet13')['center']
        12
    """
    fmt = get_format(fmt)
    return dict(
        num_node=fmt.num_joints,
        inward=[(int(child), int(parent)) for child, parent in fmt.bones],
        center=int(fmt.center))


def gcn_graph_cfg(graph_cfg: dict) -> dict:
    """``graph_cfg`` with an s2i_mm format ``layout`` as a layout dict.

    A ``layout`` that is one of :data:`MMACTION_LAYOUTS` or already a
    layout dict (it has ``num_node``) is kept; anything else is read as an
    s2i_mm format reference and replaced by :func:`gcn_layout` of it.
    Other keys (``mode``, ``max_hop``) are kept.

    Raises:
        SkeletonFormatError: ``layout`` names no registered format and no
            readable spec (the message lists the registered formats).
    """
    cfg = dict(graph_cfg)
    layout = cfg.get('layout', 'coco')  # mmaction2's default
    if isinstance(layout, str) and layout in MMACTION_LAYOUTS:
        return cfg
    if isinstance(layout, dict) and 'num_node' in layout:
        return cfg
    cfg['layout'] = gcn_layout(layout)
    return cfg
