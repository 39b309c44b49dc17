"""Feature-level fusion: the streams' features concatenated, one linear
layer."""
from typing import Tuple

import torch
from mmpretrain.models.heads import LinearClsHead

from s2i_mm.registry import MODELS

__all__ = ['FeatureConcatClsHead']


@MODELS.register_module()
class FeatureConcatClsHead(LinearClsHead):
    """mmpretrain's ``LinearClsHead`` on the concatenation of the streams'
    features (``in_channels`` is their total width, e.g. ``768 * 3``).

    Args:
        **kwargs: Arguments of mmpretrain's ``LinearClsHead``.
    """

    def pre_logits(self, feats: Tuple[torch.Tensor]) -> torch.Tensor:
        """The streams' features side by side, ``[B, sum of widths]``."""
        width = sum(f.shape[-1] for f in feats)
        if width != self.in_channels:
            raise ValueError(
                f'{type(self).__name__} has in_channels={self.in_channels} '
                f'but the {len(feats)} stream features add up to {width}')
        return torch.cat(feats, dim=-1)
