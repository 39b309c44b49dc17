"""Skeleton2vec (Xu et al., arXiv 2401.00921): masked prediction of an EMA
teacher's contextualized features, with motion-aware tube masking."""
from typing import Dict, List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.models import BaseSelfSupervisor

from s2i_mm.models.selfsup import generate_patch_mask, mask_to_restore_ids
from s2i_mm.models.utils import has_pretrained_init
from s2i_mm.registry import MODELS

from .skeleton_transformer import person_sequences

__all__ = ['Skeleton2vec', 'contextualized_targets', 'token_motion']

PER_LAYER_NORMS = ('instance_norm', 'layer_norm')


def contextualized_targets(layer_outputs: Sequence[torch.Tensor],
                           top_k: int,
                           per_layer_norm: str = 'instance_norm',
                           final_layer_norm: bool = True) -> torch.Tensor:
    """The teacher's regression target for every token.

    The mean of the last ``top_k`` layer outputs, each normalised first:
    ``instance_norm`` normalises every channel over the tokens of its
    sequence (the official NTU configs), ``layer_norm`` every token over
    its channels; with ``final_layer_norm`` the mean is layer-normalised
    once more (the code's ``normalize_targets``).

    Args:
        layer_outputs (Sequence[torch.Tensor]): ``[N, L, D]`` per layer,
            first to last.
        top_k (int): How many of the last layers to average.
        per_layer_norm (str): ``'instance_norm'`` or ``'layer_norm'``.
        final_layer_norm (bool): Layer-normalise the mean.

    Returns:
        torch.Tensor: ``[N, L, D]`` float32.
    """
    if per_layer_norm not in PER_LAYER_NORMS:
        raise ValueError(f'per_layer_norm must be one of {PER_LAYER_NORMS},'
                         f' got {per_layer_norm!r}')
    if not 1 <= top_k <= len(layer_outputs):
        raise ValueError(f'top_k must be in [1, {len(layer_outputs)}] (the '
                         f'teacher has {len(layer_outputs)} layers), got '
                         f'{top_k}')
    normed = []
    for out in layer_outputs[-top_k:]:
        out = out.float()
        if per_layer_norm == 'instance_norm':
            out = F.instance_norm(out.transpose(1, 2)).transpose(1, 2)
        else:
            out = F.layer_norm(out, out.shape[-1:])
        normed.append(out)
    target = torch.stack(normed).mean(dim=0)
    if final_layer_norm:
        target = F.layer_norm(target, target.shape[-1:])
    return target


def token_motion(sequences: torch.Tensor, segment_len: int) -> torch.Tensor:
    """Motion of every (segment, joint) token, ``[N, T / s, V]``.

    The mean absolute frame-to-frame displacement (next frame minus this
    frame, zero after the last frame, as a motion stream) over the
    segment's frames and the channels: the official code's motion
    intensity before its tube average.

    Args:
        sequences (torch.Tensor): ``[N, T, V, C]``.
        segment_len (int): Frames per token.
    """
    step = torch.zeros_like(sequences)
    step[:, :-1] = sequences[:, 1:] - sequences[:, :-1]
    n, t, v, _ = sequences.shape
    return step.abs().mean(dim=-1).view(n, t // segment_len, segment_len,
                                        v).mean(dim=2)


@MODELS.register_module()
class Skeleton2vec(BaseSelfSupervisor):
    """Skeleton2vec pretraining.

    Per batch: the teacher (an EMA of the student encoder, see
    :class:`~.LinearMomentumEMA`) is updated and encodes the *whole*
    sequences; the target of every token is
    :func:`contextualized_targets` of its top layers. The tokens are masked
    with motion-aware tube masking (``mask_strategy='motion_tube'`` of
    :func:`s2i_mm.models.selfsup.generate_patch_mask` on the
    ``(segment, joint)`` grid, motion from :func:`token_motion`); the
    student encodes the visible tokens only, the decoder (neck) predicts
    every token's feature and the head's loss (mean squared error) is taken
    on the masked tokens.

    Args:
        backbone (dict): A :class:`~.SkeletonTransformer` (the student).
        neck (dict): A :class:`~.Skeleton2vecDecoder` on the same grid.
        head (dict): ``MIMHead`` with a ``PixelReconstructionLoss``
            (``criterion='L2'``: MSE over the masked tokens).
        mask_ratio (float): Fraction of the joints masked in each tube.
            Defaults to 0.9.
        tube_len (int): Segments per tube. Defaults to 5.
        motion_tau (float): Weight of the motion prior (the code's
            ``s_tau``). Defaults to 0.1.
        average_top_k_layers (int): Teacher layers averaged. Defaults to 8.
        per_layer_norm (str): See :func:`contextualized_targets`. Defaults
            to 'instance_norm'.
        final_layer_norm (bool): See :func:`contextualized_targets`.
            Defaults to True.
        teacher (dict): :class:`~.LinearMomentumEMA` arguments (momentum =
            1 - decay). Defaults to ``dict(momentum=1e-4, end_momentum=0)``
            (decay 0.9999 -> 1.0 over the run).
        data_preprocessor (dict, optional): Defaults to mmpretrain's
            ``ClsDataPreprocessor`` without normalisation: it stacks the
            packed ``[N, M, T, V, C]`` samples into a batch.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 mask_ratio: float = 0.9,
                 tube_len: int = 5,
                 motion_tau: float = 0.1,
                 average_top_k_layers: int = 8,
                 per_layer_norm: str = 'instance_norm',
                 final_layer_norm: bool = True,
                 teacher: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor
            or dict(type='ClsDataPreprocessor'),
            init_cfg=init_cfg)
        if tuple(self.neck.grid) != tuple(self.backbone.grid):
            raise ValueError(
                f'neck.grid={tuple(self.neck.grid)} but the backbone has '
                f'{self.backbone.grid} (clip_len / segment_len, num_joints)')
        if self.neck.embed_dims != self.backbone.embed_dims:
            raise ValueError(
                f'neck.embed_dims={self.neck.embed_dims} but the backbone '
                f'width is {self.backbone.embed_dims}')
        # validate the masking and target settings now, not mid-training
        generate_patch_mask(
            'motion_tube', 1, self.backbone.grid, mask_ratio,
            motion=torch.zeros(1, *self.backbone.grid), tube_len=tube_len)
        if not 1 <= average_top_k_layers <= len(self.backbone.layers):
            raise ValueError(
                f'average_top_k_layers must be in [1, '
                f'{len(self.backbone.layers)}], got {average_top_k_layers}')
        if per_layer_norm not in PER_LAYER_NORMS:
            raise ValueError(f'per_layer_norm must be one of '
                             f'{PER_LAYER_NORMS}, got {per_layer_norm!r}')
        self.mask_ratio, self.tube_len = mask_ratio, tube_len
        self.motion_tau = motion_tau
        self.average_top_k_layers = average_top_k_layers
        self.per_layer_norm = per_layer_norm
        self.final_layer_norm = final_layer_norm
        self.teacher = MODELS.build(
            dict(type='LinearMomentumEMA', model=self.backbone,
                 **(teacher or {})))

    def init_weights(self) -> None:
        """Initialise the student, then start the teacher as its copy
        (unless a whole checkpoint, teacher included, was loaded)."""
        super().init_weights()
        if not has_pretrained_init(self.init_cfg):
            self.teacher.module.load_state_dict(self.backbone.state_dict())

    def extract_feat(self, inputs: torch.Tensor):
        """The student encoder's pooled features."""
        return self.backbone(inputs)

    def mask(self, sequences: torch.Tensor) -> torch.Tensor:
        """Motion-aware tube mask of ``[N, T, V, C]``, bool ``[N, L]``."""
        return generate_patch_mask(
            'motion_tube',
            sequences.shape[0],
            self.backbone.grid,
            self.mask_ratio,
            device=sequences.device,
            motion=token_motion(sequences, self.backbone.segment_len),
            tube_len=self.tube_len,
            motion_tau=self.motion_tau)

    @torch.no_grad()
    def targets(self, sequences: torch.Tensor) -> torch.Tensor:
        """The teacher's target of every token of the unmasked sequences."""
        teacher = self.teacher.module
        teacher.eval()
        _, layers = teacher.encode(teacher.embed(sequences),
                                   return_layers=True)
        return contextualized_targets(layers, self.average_top_k_layers,
                                      self.per_layer_norm,
                                      self.final_layer_norm)

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Masked feature-prediction loss of a batch.

        Args:
            inputs (torch.Tensor): ``[B, N, M, T, V, C]`` or
                ``[B, M, T, V, C]``; every person is a sequence.
            data_samples (list, optional): Unused (self-supervised).
        """
        self.teacher.update_parameters(self.backbone)
        sequences, _ = person_sequences(inputs)
        mask = self.mask(sequences)
        ids_keep, ids_restore = mask_to_restore_ids(mask)
        tokens = self.backbone.embed(sequences)
        visible = torch.gather(
            tokens, 1, ids_keep[..., None].expand(-1, -1, tokens.shape[-1]))
        pred = self.neck(self.backbone.encode(visible), ids_restore)
        loss = self.head.loss(pred, self.targets(sequences), mask.float())
        return dict(loss=loss)
