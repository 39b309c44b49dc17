from .invalid_loss_hook import InvalidLossError, InvalidLossHook
from .iteration_seed_hook import IterationSeedHook
from .label_range_hook import LabelRangeHook

__all__ = [
    'InvalidLossError', 'InvalidLossHook', 'IterationSeedHook',
    'LabelRangeHook'
]
