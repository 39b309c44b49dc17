"""Skeleton2vec's light decoder: from the visible tokens' latents to a
feature prediction for every token."""
from typing import Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_
from mmpretrain.models.backbones.vision_transformer import (
    TransformerEncoderLayer,
)

from s2i_mm.registry import MODELS

from .skeleton_transformer import SegmentJointPosEmbed

__all__ = ['Skeleton2vecDecoder']


@MODELS.register_module()
class Skeleton2vecDecoder(BaseModule):
    """Predict a feature for every (segment, joint) token.

    The encoder's visible latents are projected to the decoder width,
    learnable mask tokens fill the masked places (``ids_restore``, as in
    MAE), a temporal + spatial position embedding is added, and a few
    pre-norm transformer layers with a final LayerNorm and a linear head
    predict an encoder-width feature per token (the official
    ``SkTWithDecoder.forward_decoder`` with its feature head).

    Args:
        grid (Sequence[int]): ``(num_segments, num_joints)`` of the encoder.
        embed_dims (int): Encoder width (input and prediction width).
        decoder_embed_dims (int): Decoder width. Defaults to 256.
        num_layers (int): Decoder layers. Defaults to 3.
        num_heads (int): Attention heads. Defaults to 8.
        mlp_ratio (float): Feed-forward width / width. Defaults to 4.
        layer_scale_init_value (float): Initial layer scale. Defaults to
            1e-4.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 grid: Sequence[int],
                 embed_dims: int,
                 decoder_embed_dims: int = 256,
                 num_layers: int = 3,
                 num_heads: int = 8,
                 mlp_ratio: float = 4.,
                 layer_scale_init_value: float = 1e-4,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.grid = tuple(grid)
        self.num_tokens = self.grid[0] * self.grid[1]
        self.embed_dims = embed_dims
        self.decoder_embed = nn.Linear(embed_dims, decoder_embed_dims)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, decoder_embed_dims))
        trunc_normal_(self.mask_token, std=.02)
        self.pos_embed = SegmentJointPosEmbed(self.grid, decoder_embed_dims)
        self.layers = nn.ModuleList(
            TransformerEncoderLayer(
                embed_dims=decoder_embed_dims,
                num_heads=num_heads,
                feedforward_channels=int(decoder_embed_dims * mlp_ratio),
                layer_scale_init_value=layer_scale_init_value,
                norm_cfg=dict(type='LN', eps=1e-6))
            for _ in range(num_layers))
        self.norm = nn.LayerNorm(decoder_embed_dims, eps=1e-6)
        self.head = nn.Linear(decoder_embed_dims, embed_dims)

    def init_weights(self) -> None:
        """Truncated normal (std 0.02) linear weights, zero biases."""
        super().init_weights()
        for m in self.modules():
            if isinstance(m, nn.Linear):
                trunc_normal_(m.weight, std=.02)
                nn.init.zeros_(m.bias)

    def forward(self, latent: torch.Tensor,
                ids_restore: torch.Tensor) -> torch.Tensor:
        """Predictions ``[N, L, embed_dims]`` in token order.

        Args:
            latent (torch.Tensor): ``[N, L_keep, embed_dims]``, the visible
                tokens in the order of ``ids_restore``'s shuffle.
            ids_restore (torch.Tensor): ``[N, L]``, from
                :func:`s2i_mm.models.selfsup.mask_to_restore_ids`.
        """
        x = self.decoder_embed(latent)
        fill = self.mask_token.expand(x.shape[0], self.num_tokens - x.shape[1],
                                      -1)
        x = torch.cat([x, fill], dim=1)
        x = torch.gather(
            x, 1, ids_restore[..., None].expand(-1, -1, x.shape[-1]))
        x = x + self.pos_embed()
        for layer in self.layers:
            x = layer(x)
        return self.head(self.norm(x))
