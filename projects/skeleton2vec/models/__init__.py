"""Skeleton2vec as an s2i_mm plugin: ``custom_imports`` of
``projects.skeleton2vec.models`` registers its modules in ``s2i_mm``'s
MODELS registry."""
from .feature_decoder import Skeleton2vecDecoder
from .skeleton2vec import Skeleton2vec, contextualized_targets, token_motion
from .skeleton_transformer import (
    SegmentJointPosEmbed,
    SkeletonTransformer,
    person_sequences,
)
from .teacher_ema import LinearMomentumEMA

__all__ = [
    'Skeleton2vec', 'Skeleton2vecDecoder', 'SkeletonTransformer',
    'SegmentJointPosEmbed', 'LinearMomentumEMA', 'contextualized_targets',
    'token_motion', 'person_sequences'
]
