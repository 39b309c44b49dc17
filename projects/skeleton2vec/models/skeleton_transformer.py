"""Skeleton2vec's encoder: a transformer over (temporal segment, joint)
tokens of a skeleton sequence."""
from typing import Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones.vision_transformer import (
    TransformerEncoderLayer,
)

from s2i_mm.models.utils import has_pretrained_init
from s2i_mm.registry import MODELS

__all__ = ['SegmentJointPosEmbed', 'SkeletonTransformer', 'person_sequences']


def person_sequences(inputs: torch.Tensor) -> Tuple[torch.Tensor, int]:
    """One skeleton sequence per row, from a batch of packed samples.

    Args:
        inputs (torch.Tensor): ``[B, N, M, T, V, C]`` (``N`` clips of ``M``
            persons, as ``FormatGCNInput`` + ``PackInputs`` give) or
            ``[B, M, T, V, C]``.

    Returns:
        tuple: ``[B * N * M, T, V, C]`` and ``B``.
    """
    if inputs.dim() not in (5, 6):
        raise ValueError('expected skeleton inputs [B, N, M, T, V, C] or '
                         f'[B, M, T, V, C], got shape {tuple(inputs.shape)}')
    return inputs.flatten(0, inputs.dim() - 4), inputs.shape[0]


class SegmentJointPosEmbed(nn.Module):
    """Learnable position embedding of a (segment, joint) token grid: a
    temporal vector per segment plus a spatial vector per joint, as
    Skeleton2vec's code has (``temporal_pos_emb`` + ``spatio_pos_emb``).

    Args:
        grid (Sequence[int]): ``(num_segments, num_joints)``.
        dims (int): Embedding width.
    """

    def __init__(self, grid: Sequence[int], dims: int) -> None:
        super().__init__()
        self.temporal = nn.Parameter(torch.zeros(1, grid[0], 1, dims))
        self.spatial = nn.Parameter(torch.zeros(1, 1, grid[1], dims))
        trunc_normal_(self.temporal, std=.02)
        trunc_normal_(self.spatial, std=.02)

    def forward(self) -> torch.Tensor:
        """``[1, num_segments * num_joints, dims]``, segment-major."""
        return (self.temporal + self.spatial).flatten(1, 2)


@MODELS.register_module()
class SkeletonTransformer(BaseModule):
    """Transformer encoder over skeleton tokens (Skeleton2vec's ``SkT``).

    A sequence ``[T, V, C]`` is cut into ``T / segment_len`` temporal
    segments per joint; each (segment, joint) token is the linear
    projection of its ``segment_len x C`` values (a strided convolution,
    as in the official code), plus a temporal and a spatial position
    embedding. Pre-norm transformer layers (mmpretrain's
    ``TransformerEncoderLayer`` with layer scale) follow, then a final
    LayerNorm. Persons are separate sequences.

    As a backbone (``forward``) it returns, for each sample, the mean of the
    final tokens over tokens, persons and clips (the official linear
    probe's pooling), as a one-element tuple for mmpretrain's necks and
    heads. Skeleton2vec itself calls :meth:`embed` and :meth:`encode`.

    Args:
        num_joints (int): Joints per skeleton ``V``.
        clip_len (int): Frames per sequence ``T``.
        in_channels (int): Channels per joint ``C``. Defaults to 3.
        segment_len (int): Frames per token. Defaults to 3 (official).
        embed_dims (int): Token width. Defaults to 256.
        num_layers (int): Transformer layers. Defaults to 8.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_ratio (float): Feed-forward width / ``embed_dims``. Defaults
            to 4.
        layer_scale_init_value (float): Initial layer scale; 0 disables it.
            Defaults to 1e-4.
        drop_path_rate (float): Stochastic depth, rising linearly over the
            layers. Defaults to 0.
        frozen (bool): Freeze every parameter and stay in eval mode (linear
            probing). Defaults to False.
        init_cfg (dict, optional): ``Pretrained`` to load weights. Without
            it, linear and convolution weights are truncated normal (std
            0.02), biases zero, as in the official code.
    """

    def __init__(self,
                 num_joints: int,
                 clip_len: int,
                 in_channels: int = 3,
                 segment_len: int = 3,
                 embed_dims: int = 256,
                 num_layers: int = 8,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.,
                 layer_scale_init_value: float = 1e-4,
                 drop_path_rate: float = 0.,
                 frozen: bool = False,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if clip_len % segment_len:
            raise ValueError(f'clip_len={clip_len} must be a multiple of '
                             f'segment_len={segment_len}')
        self.num_joints, self.clip_len = num_joints, clip_len
        self.in_channels, self.segment_len = in_channels, segment_len
        self.grid = (clip_len // segment_len, num_joints)
        self.embed_dims = embed_dims
        self.token_embed = nn.Conv2d(
            in_channels, embed_dims, kernel_size=(segment_len, 1),
            stride=(segment_len, 1))
        self.pos_embed = SegmentJointPosEmbed(self.grid, embed_dims)
        rates = torch.linspace(0, drop_path_rate, num_layers).tolist()
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(
                embed_dims=embed_dims,
                num_heads=num_heads,
                feedforward_channels=int(embed_dims * mlp_ratio),
                layer_scale_init_value=layer_scale_init_value,
                drop_path_rate=rate,
                norm_cfg=dict(type='LN', eps=1e-6)) for rate in rates)
        self.norm = nn.LayerNorm(embed_dims, eps=1e-6)
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)

    def init_weights(self) -> None:
        """Truncated-normal init (official code), or the checkpoint."""
        super().init_weights()
        if has_pretrained_init(self.init_cfg):
            return
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                trunc_normal_(m.weight, std=.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def train(self, mode: bool = True) -> 'SkeletonTransformer':
        return super().train(mode and not self.frozen)

    def embed(self, sequences: torch.Tensor) -> torch.Tensor:
        """Tokens of ``[N, T, V, C]`` sequences: ``[N, L, D]`` with
        position embeddings, ``L = T / segment_len * V`` segment-major."""
        expected = (self.clip_len, self.num_joints, self.in_channels)
        if tuple(sequences.shape[1:]) != expected:
            raise ValueError(
                f'SkeletonTransformer was built for sequences of T x V x C = '
                f'{expected} (clip_len, num_joints, in_channels), got '
                f'{tuple(sequences.shape[1:])}')
        tokens = self.token_embed(sequences.permute(0, 3, 1, 2))
        return tokens.flatten(2).transpose(1, 2) + self.pos_embed()

    def encode(self, tokens: torch.Tensor,
               return_layers: bool = False):
        """Run the transformer layers on tokens ``[N, L, D]``.

        Returns:
            torch.Tensor | tuple: The final-normed tokens; with
            ``return_layers`` also the list of every layer's output (before
            the final norm), the teacher's target source.
        """
        outputs = []
        for layer in self.layers:
            tokens = layer(tokens)
            outputs.append(tokens)
        normed = self.norm(tokens)
        return (normed, outputs) if return_layers else normed

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Pooled features ``([B, D], )`` of ``[B, N, M, T, V, C]``."""
        sequences, batch = person_sequences(inputs)
        features = self.encode(self.embed(sequences)).mean(dim=1)
        return (features.view(batch, -1, self.embed_dims).mean(dim=1), )
