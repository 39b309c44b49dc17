"""The EMA teacher's schedule of Skeleton2vec (data2vec's): the decay rises
linearly from its start to its end value, then stays."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.logging import MessageHub
from mmengine.model import ExponentialMovingAverage

from s2i_mm.registry import MODELS

__all__ = ['LinearMomentumEMA']


@MODELS.register_module()
class LinearMomentumEMA(ExponentialMovingAverage):
    """EMA whose momentum falls linearly, then stays at its end value.

    In mmengine's convention the update is
    ``avg = (1 - m) * avg + m * source``; ``m = 1 - decay``. At update
    ``k`` (``k = 1, 2, ...``; update 0 copies the source):

    ``m_k = end_momentum + (momentum - end_momentum) * (1 - k / K)`` for
    ``k < K``, ``end_momentum`` from ``K`` on,

    which is Skeleton2vec's (and data2vec's) ``get_annealed_rate`` of the
    decay, ``decay_k = end - (end - start) * (1 - k / K)``. ``K`` is
    ``anneal_iters``, or the run's ``max_iters`` when None (the official
    NTU-60 config anneals over its whole 800-epoch run: 251,200 updates).

    Args:
        model (nn.Module): The student to follow.
        momentum (float): Start momentum, ``1 - start decay``. Defaults to
            1e-4 (decay 0.9999, the official NTU configs).
        end_momentum (float): End momentum. Defaults to 0 (decay 1.0).
        anneal_iters (int, optional): ``K``. Defaults to None: the
            ``max_iters`` of the running loop (read from mmengine's
            ``MessageHub``, as mmpretrain's ``CosineEMA`` does).
        **kwargs: ``interval``, ``device``, ``update_buffers`` of
            mmengine's ``ExponentialMovingAverage``.
    """

    def __init__(self,
                 model: nn.Module,
                 momentum: float = 1e-4,
                 end_momentum: float = 0.,
                 anneal_iters: Optional[int] = None,
                 **kwargs) -> None:
        super().__init__(model, momentum=momentum, **kwargs)
        if not 0 <= end_momentum < 1:
            raise ValueError(
                f'end_momentum must be in [0, 1), got {end_momentum}')
        if anneal_iters is not None and anneal_iters < 1:
            raise ValueError(f'anneal_iters must be >= 1, got {anneal_iters}')
        self.end_momentum = end_momentum
        self.anneal_iters = anneal_iters

    def momentum_at(self, steps: int) -> float:
        """The momentum of update number ``steps``."""
        total = self.anneal_iters
        if total is None:
            total = MessageHub.get_current_instance().get_info('max_iters')
            if total is None:
                raise RuntimeError(
                    'LinearMomentumEMA needs anneal_iters outside a training '
                    "loop (no 'max_iters' in the MessageHub)")
        remaining = max(0., 1 - int(steps) / total)
        return (self.end_momentum +
                (self.momentum - self.end_momentum) * remaining)

    def avg_func(self, averaged_param: torch.Tensor,
                 source_param: torch.Tensor, steps: int) -> None:
        """``averaged_param`` moves toward ``source_param`` by
        :meth:`momentum_at` ``(steps)``."""
        averaged_param.lerp_(source_param, self.momentum_at(steps))
