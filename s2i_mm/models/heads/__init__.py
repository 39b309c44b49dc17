from .feature_concat_head import FeatureConcatClsHead
from .late_fusion_head import LateFusionClsHead
from .s2i_mae_head import (
    S2IMAEPretrainHead,
    motion_image,
    patchify,
    unpatchify,
)

__all__ = [
    'FeatureConcatClsHead', 'LateFusionClsHead', 'S2IMAEPretrainHead',
    'motion_image', 'patchify', 'unpatchify'
]
