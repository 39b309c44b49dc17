"""Late fusion of per-stream classifiers: a weighted sum of their logits."""
import copy
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from mmpretrain.models.heads import ClsHead

from s2i_mm.registry import MODELS

__all__ = ['LateFusionClsHead']

#: mmpretrain's LinearClsHead initialisation
LINEAR_INIT = dict(type='Normal', layer='Linear', std=0.01)


@MODELS.register_module()
class LateFusionClsHead(ClsHead):
    """One linear classifier per stream; the class logits are their
    weighted sum, ``sum_s w_s * fc_s(f_s)``.

    The in-model counterpart of score fusion (``tools/analysis/
    fuse_scores.py``): each stream keeps its own classifier, and the loss
    is taken on the fused logits.

    Args:
        num_classes (int): Number of classes.
        in_channels (int | Sequence[int]): Feature width of every stream,
            or of each stream.
        num_streams (int, optional): Number of streams; needed when
            ``in_channels`` is one int. Defaults to ``len(weights)``.
        weights (Sequence[float], optional): Weight of each stream's
            logits. Defaults to 1 for every stream.
        learnable_weights (bool): Train the weights (initialised with
            ``weights``) with the rest of the model. Defaults to False:
            fixed weights, not stored in checkpoints (the config's values
            apply).
        init_cfg (dict, optional): Initialisation of the linear layers.
            Defaults to ``Normal(std=0.01)`` as mmpretrain's
            ``LinearClsHead``.
        **kwargs: ``loss``, ``topk``, ``cal_acc`` of mmpretrain's
            ``ClsHead``.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: Union[int, Sequence[int]],
                 num_streams: Optional[int] = None,
                 weights: Optional[Sequence[float]] = None,
                 learnable_weights: bool = False,
                 init_cfg: Optional[dict] = LINEAR_INIT,
                 **kwargs) -> None:
        super().__init__(init_cfg=copy.deepcopy(init_cfg), **kwargs)
        if isinstance(in_channels, int):
            count = num_streams or (len(weights) if weights else None)
            if count is None:
                raise ValueError('give num_streams, weights or one '
                                 'in_channels per stream')
            in_channels = [in_channels] * count
        in_channels = list(in_channels)
        if weights is None:
            weights = [1.] * len(in_channels)
        if len(weights) != len(in_channels) or (
                num_streams is not None and num_streams != len(weights)):
            raise ValueError(
                f'{len(weights)} weights for {len(in_channels)} streams '
                f'(in_channels={in_channels}, num_streams={num_streams})')
        if num_classes <= 0:
            raise ValueError(f'num_classes={num_classes} must be positive')
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.fcs = nn.ModuleList(
            nn.Linear(c, num_classes) for c in in_channels)
        weights = torch.tensor([float(w) for w in weights])
        if learnable_weights:
            self.weights = nn.Parameter(weights)
        else:
            self.register_buffer('weights', weights, persistent=False)

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> Tuple[torch.Tensor]:
        """The streams' features, one per stream."""
        if len(feats) != len(self.fcs):
            raise ValueError(f'{type(self).__name__} has {len(self.fcs)} '
                             f'streams, got {len(feats)} features')
        return tuple(feats)

    def stream_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """``[num_streams, B, num_classes]`` logits of each stream."""
        return torch.stack(
            [fc(f) for fc, f in zip(self.fcs, self.pre_logits(feats))])

    def forward(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """Fused logits ``[B, num_classes]``."""
        logits = self.stream_logits(feats)
        return torch.einsum('s,sbk->bk', self.weights.to(logits), logits)
