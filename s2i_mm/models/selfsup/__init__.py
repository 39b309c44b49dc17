from .diffmae import DiffusionSchedule, S2IDiffMAE
from .masked_base import S2IMaskedSelfSupervisor
from .masking import (
                      MASK_STRATEGIES,
                      generate_patch_mask,
                      mask_to_restore_ids,
                      num_masked,
                      patch_motion,
)
from .s2i_mae import S2IMAE, S2IMAEViT

__all__ = [
    'MASK_STRATEGIES', 'generate_patch_mask', 'mask_to_restore_ids',
    'num_masked', 'patch_motion', 'S2IMAE', 'S2IMAEViT',
    'S2IMaskedSelfSupervisor', 'DiffusionSchedule', 'S2IDiffMAE'
]
