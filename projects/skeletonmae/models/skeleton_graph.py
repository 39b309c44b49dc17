"""The skeleton graph of any ``SkeletonFormat``: joints are nodes, bones
(each joint and its parent) are edges, body parts group the joints."""
from typing import Union

import torch

from s2i_mm.formats import BODY_PARTS, SkeletonFormat, get_format

__all__ = ['bone_adjacency', 'bone_pairs', 'part_ids', 'resolve_format']

FormatSpec = Union[str, dict, SkeletonFormat]


def resolve_format(skeleton_format: FormatSpec) -> SkeletonFormat:
    """A format from its registered name, spec file or spec dict."""
    return get_format(skeleton_format)


def bone_pairs(fmt: SkeletonFormat) -> torch.Tensor:
    """``[E, 2]`` long: ``(child, parent)`` of every bone of the format."""
    return torch.tensor(fmt.bones, dtype=torch.long).view(-1, 2)


def bone_adjacency(fmt: SkeletonFormat) -> torch.Tensor:
    """``[V, V]`` float, 1 where two joints share a bone (symmetric, no
    self loops)."""
    adjacency = torch.zeros(fmt.num_joints, fmt.num_joints)
    pairs = bone_pairs(fmt)
    adjacency[pairs[:, 0], pairs[:, 1]] = 1
    adjacency[pairs[:, 1], pairs[:, 0]] = 1
    return adjacency


def part_ids(fmt: SkeletonFormat) -> torch.Tensor:
    """``[V]`` long: index in :data:`~s2i_mm.formats.BODY_PARTS` of each
    joint's body part."""
    return torch.tensor([BODY_PARTS.index(p) for p in fmt.parts],
                        dtype=torch.long)
