"""Image classifier over S2I images with test-time multi-clip averaging."""
from typing import List, Optional

import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.structures import DataSample

from s2i_mm.registry import MODELS

__all__ = ['S2IClassifier']

AVERAGE_CLIPS = ('score', 'prob')


@MODELS.register_module()
class S2IClassifier(ImageClassifier):
    """mmpretrain's ``ImageClassifier`` that also takes several clips.

    A sample sampled as ``num_clips`` clips (e.g. mmaction2's
    ``UniformSampleFrames(num_clips=N, test_mode=True)`` followed by S2I
    encoding of every clip) is packed as ``[N, C, H, W]``, so a batch is
    ``[B, N, C, H, W]``. All clips go through the backbone as one batch and
    the class scores of a sample's clips are averaged, as mmaction2's
    ``average_clips`` does:

    - ``'score'``: mean of the logits, then softmax;
    - ``'prob'``: mean of the softmax probabilities.

    4-D inputs ``[B, C, H, W]`` behave exactly as in ``ImageClassifier``.
    Layer-wise learning-rate decay
    (``LearningRateDecayOptimWrapperConstructor``)
    works through the inherited ``get_layer_depth``.

    Args:
        average_clips (str): ``'score'`` or ``'prob'``. Defaults to
            'score'.
        **kwargs: Arguments of ``mmpretrain.models.ImageClassifier``.
    """

    def __init__(self, average_clips: str = 'score', **kwargs) -> None:
        if average_clips not in AVERAGE_CLIPS:
            raise ValueError(f'average_clips must be one of {AVERAGE_CLIPS},'
                             f' got {average_clips!r}')
        super().__init__(**kwargs)
        self.average_clips = average_clips

    def _clip_averaged_logits(self, inputs: torch.Tensor) -> torch.Tensor:
        """Class logits ``[B, K]`` of ``[B, N, C, H, W]`` inputs.

        With ``'prob'`` the result is the log of the mean probability, so
        that the head's softmax turns it back into the mean probability and
        cross-entropy becomes the NLL of the averaged prediction.
        """
        batch, num_clips = inputs.shape[:2]
        feats = self.extract_feat(inputs.flatten(0, 1))
        logits = self.head(feats)
        logits = logits.view(batch, num_clips, -1)
        if self.average_clips == 'prob':
            return logits.softmax(dim=-1).mean(dim=1).log()
        return logits.mean(dim=1)

    @staticmethod
    def _is_multi_clip(inputs) -> bool:
        if not torch.is_tensor(inputs):
            return False
        if inputs.dim() not in (4, 5):
            raise ValueError('S2IClassifier takes [B, C, H, W] images or '
                             '[B, num_clips, C, H, W] clips, got shape '
                             f'{tuple(inputs.shape)}')
        return inputs.dim() == 5

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """As ``ImageClassifier.forward``; 5-D inputs average their clips.

        In ``'tensor'`` mode multi-clip inputs return the clip-averaged
        logits ``[B, K]``.
        """
        if mode == 'tensor' and self._is_multi_clip(inputs):
            return self._clip_averaged_logits(inputs)
        return super().forward(inputs, data_samples, mode)

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        """Classification loss; multi-clip inputs use averaged scores."""
        if not self._is_multi_clip(inputs):
            return super().loss(inputs, data_samples)
        return self.head._get_loss(
            self._clip_averaged_logits(inputs), data_samples)

    def predict(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                **kwargs) -> List[DataSample]:
        """Predictions; multi-clip inputs use averaged scores."""
        if not self._is_multi_clip(inputs):
            return super().predict(inputs, data_samples, **kwargs)
        return self.head._get_predictions(
            self._clip_averaged_logits(inputs), data_samples)
