"""SkeletonMAE as an s2i_mm plugin: ``custom_imports`` of
``projects.skeletonmae.models`` registers its modules in ``s2i_mm``'s
MODELS registry."""
from .gin import GINLayer, SkeletonGINDecoder, SkeletonGINEncoder
from .reconstruction_head import (
    JointEdgeReconstructionHead,
    scaled_cosine_error,
)
from .skeleton_graph import bone_adjacency, bone_pairs, part_ids
from .skeletonmae import SkeletonMAE, joint_mask

__all__ = [
    'SkeletonMAE', 'SkeletonGINEncoder', 'SkeletonGINDecoder', 'GINLayer',
    'JointEdgeReconstructionHead', 'scaled_cosine_error', 'joint_mask',
    'bone_adjacency', 'bone_pairs', 'part_ids'
]
