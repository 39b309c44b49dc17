"""DiffMAE decoders: denoise the masked patches given the visible ones.

:class:`S2IDiffMAEDecoder` takes the noisy pixels ``x_t`` of the masked
patches, their positions and the diffusion step ``t``, and predicts their
clean pixels (or the noise) from the encoder's features of the visible
patches. Its ``variant`` is one of the paper's three designs
(``cross_self``, ``cross``, ``joint``). The variants, their connections
and the choices the paper leaves open: see docs/models.md, "Decoder
variants" and "Choices the paper leaves open (ours)".
"""
import math
from typing import List, Optional, Sequence, Union

import torch
from mmcv.cnn.bricks.transformer import FFN
from mmengine.model import BaseModule, ModuleList
from mmpretrain.models.backbones.vision_transformer import (
    TransformerEncoderLayer,
)
from mmpretrain.models.utils import (
    CrossMultiheadAttention,
    MultiheadAttention,
    build_norm_layer,
)
from torch import nn

from s2i_mm.registry import MODELS

from ..utils.position_embedding import (
    build_grid_sincos_pos_embed,
    has_pretrained_init,
)
from .s2i_mae_decoder import resolve_grid

__all__ = [
    'DECODER_VARIANTS', 'timestep_embedding', 'DiffMAEDecoderLayer',
    'S2IDiffMAEDecoder'
]

DECODER_VARIANTS = ('cross_self', 'cross', 'joint')
CONNECTIONS = ('top_down', 'last')


def timestep_embedding(timesteps: torch.Tensor,
                       dims: int,
                       max_period: float = 10000.) -> torch.Tensor:
    """Sinusoidal code of diffusion steps, ``[B] -> [B, dims]``.

    Half of the channels are cosines, half sines, of ``t`` at geometrically
    spaced frequencies from 1 to ``1 / max_period`` (a Transformer position
    code over the step index).
    """
    half = dims // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(
        half, dtype=torch.float32, device=timesteps.device) / half)
    args = timesteps.float()[:, None] * freqs[None]
    emb = torch.cat([torch.cos(args), torch.sin(args)], dim=-1)
    if dims % 2:
        emb = torch.cat([emb, emb.new_zeros(emb.shape[0], 1)], dim=-1)
    return emb


class DiffMAEDecoderLayer(BaseModule):
    """Pre-norm decoder block: [self-attention], cross-attention, MLP.

    Composed of mmpretrain's ``MultiheadAttention`` (self-attention among
    the noisy tokens), ``CrossMultiheadAttention`` (noisy tokens query the
    encoder features) and mmcv's ``FFN``, each with a residual connection.

    Args:
        embed_dims (int): Decoder width.
        num_heads (int): Attention heads.
        feedforward_channels (int): MLP hidden width.
        memory_dims (int): Width of the encoder features attended to; they
            are normalised and mapped to ``embed_dims`` first.
        self_attention (bool): Whether the block has self-attention
            (``cross_self``) or not (``cross``). Defaults to True.
        norm_cfg (dict): Normalisation layers. Defaults to LayerNorm with
            eps 1e-6.
    """

    def __init__(self,
                 embed_dims: int,
                 num_heads: int,
                 feedforward_channels: int,
                 memory_dims: int,
                 self_attention: bool = True,
                 norm_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        norm_cfg = norm_cfg or dict(type='LN', eps=1e-6)
        self.self_attention = self_attention
        if self_attention:
            self.ln_self = build_norm_layer(norm_cfg, embed_dims)
            self.self_attn = MultiheadAttention(
                embed_dims, num_heads, qkv_bias=True)
        self.ln_memory = build_norm_layer(norm_cfg, memory_dims)
        self.memory_proj = nn.Linear(memory_dims, embed_dims)
        self.ln_query = build_norm_layer(norm_cfg, embed_dims)
        self.cross_attn = CrossMultiheadAttention(
            embed_dims, num_heads, qkv_bias=True)
        self.ln_ffn = build_norm_layer(norm_cfg, embed_dims)
        self.ffn = FFN(
            embed_dims=embed_dims,
            feedforward_channels=feedforward_channels,
            act_cfg=dict(type='GELU'))

    def forward(self, x: torch.Tensor, memory: torch.Tensor) -> torch.Tensor:
        """Update the noisy tokens ``x`` ``[B, N, D]`` from ``memory``."""
        if self.self_attention:
            x = x + self.self_attn(self.ln_self(x))
        memory = self.memory_proj(self.ln_memory(memory))
        x = x + self.cross_attn(self.ln_query(x), k=memory, v=memory)
        return self.ffn(self.ln_ffn(x), identity=x)


@MODELS.register_module()
class S2IDiffMAEDecoder(BaseModule):
    """DiffMAE decoder on any ``(h, w)`` patch grid.

    Args:
        variant (str): ``'cross_self'``, ``'cross'`` or ``'joint'`` (see the
            module docstring). Defaults to 'cross_self'.
        connection (str, optional): Which encoder outputs the ``cross`` /
            ``cross_self`` blocks attend to: ``'top_down'`` or ``'last'``.
            Defaults to ``top_down`` for ``cross_self`` and ``last`` for
            ``cross``; ``joint`` reads the last output only.
        num_patches (int, optional): Patches of a square grid; give
            ``patch_resolution`` for other grids.
        patch_resolution (Sequence[int], optional): Patch grid ``(h, w)``.
        patch_size (int): Patch side in pixels. Defaults to 16.
        in_chans (int): Image channels. Defaults to 3.
        embed_dim (int): Encoder width. Defaults to 768.
        decoder_embed_dim (int): Decoder width, divisible by 4 (2D
            sine-cosine positions). Defaults to 512.
        decoder_depth (int): Decoder blocks. Defaults to 8.
        decoder_num_heads (int): Attention heads. Defaults to 16.
        mlp_ratio (float): MLP hidden width / decoder width. Defaults to 4.
        norm_cfg (dict): Normalisation layers. Defaults to LayerNorm with
            eps 1e-6.
        init_cfg (dict, optional): Initialisation config; a ``Pretrained``
            one keeps what it loads.
    """

    def __init__(self,
                 variant: str = 'cross_self',
                 connection: Optional[str] = None,
                 num_patches: Optional[int] = None,
                 patch_resolution: Optional[Sequence[int]] = None,
                 patch_size: int = 16,
                 in_chans: int = 3,
                 embed_dim: int = 768,
                 decoder_embed_dim: int = 512,
                 decoder_depth: int = 8,
                 decoder_num_heads: int = 16,
                 mlp_ratio: float = 4.,
                 norm_cfg: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        norm_cfg = norm_cfg or dict(type='LN', eps=1e-6)
        if variant not in DECODER_VARIANTS:
            raise ValueError(f'Unknown DiffMAE decoder variant {variant!r}; '
                             f'choose one of {", ".join(DECODER_VARIANTS)}')
        if connection is None:
            connection = {'cross_self': 'top_down'}.get(variant, 'last')
        if connection not in CONNECTIONS:
            raise ValueError(f'Unknown connection {connection!r}; choose '
                             f'one of {", ".join(CONNECTIONS)}')
        if variant == 'joint' and connection != 'last':
            raise ValueError("The 'joint' decoder reads the last encoder "
                             "output only: connection must be 'last'")
        if decoder_embed_dim % 4:
            raise ValueError(
                'decoder_embed_dim must be divisible by 4 (2D sine-cosine '
                f'positions), got {decoder_embed_dim}')
        grid = resolve_grid(num_patches, patch_resolution)
        self.variant = variant
        self.connection = connection
        self.patch_resolution = grid
        self.num_patches = grid[0] * grid[1]
        self.embed_dim = embed_dim
        self.num_layers = decoder_depth
        dims = decoder_embed_dim
        patch_dims = patch_size**2 * in_chans
        hidden = int(mlp_ratio * dims)

        self.noisy_embed = nn.Linear(patch_dims, dims)
        self.step_embed = nn.Sequential(
            nn.Linear(dims, dims), nn.SiLU(), nn.Linear(dims, dims))
        self.decoder_pos_embed = nn.Parameter(
            torch.zeros(1, self.num_patches, dims), requires_grad=False)
        if variant == 'joint':
            self.decoder_embed = nn.Linear(embed_dim, dims)
            blocks = [
                TransformerEncoderLayer(
                    dims, decoder_num_heads, hidden, qkv_bias=True,
                    norm_cfg=norm_cfg) for _ in range(decoder_depth)
            ]
        else:
            blocks = [
                DiffMAEDecoderLayer(
                    dims, decoder_num_heads, hidden, embed_dim,
                    self_attention=variant == 'cross_self',
                    norm_cfg=norm_cfg) for _ in range(decoder_depth)
            ]
        self.decoder_blocks = ModuleList(blocks)
        self.ln1 = build_norm_layer(norm_cfg, dims)
        self.decoder_pred = nn.Linear(dims, patch_dims)

    def init_weights(self) -> None:
        """Sine-cosine positions on the real grid; MAE decoder's init."""
        super().init_weights()
        if has_pretrained_init(self.init_cfg):
            return
        self.decoder_pos_embed.data.copy_(
            build_grid_sincos_pos_embed(
                self.patch_resolution,
                self.decoder_pos_embed.shape[-1],
                cls_token=False))
        self.apply(self._init_linear_and_norm)

    @staticmethod
    def _init_linear_and_norm(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.xavier_uniform_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    def memories(self, features: Union[torch.Tensor, List[torch.Tensor]]
                 ) -> List[torch.Tensor]:
        """The encoder output each block attends to, first block first."""
        if torch.is_tensor(features):
            features = [features]
        if self.connection == 'last':
            return [features[-1]] * self.num_layers
        if len(features) < self.num_layers:
            raise ValueError(
                f'A top-down decoder of {self.num_layers} blocks needs as '
                f'many encoder layer outputs, got {len(features)}')
        return [features[-1 - i] for i in range(self.num_layers)]

    def forward(self, features: Union[torch.Tensor, List[torch.Tensor]],
                ids_restore: torch.Tensor, noisy: torch.Tensor,
                timesteps: torch.Tensor) -> torch.Tensor:
        """Predict the masked patches from their noisy pixels.

        Args:
            features (Tensor | list[Tensor]): Encoder output
                ``[B, 1 + L_keep, C]`` (class token first, visible patches
                in ``ids_restore`` order), or the list of every encoder
                layer's output (``S2IMAEViT(..., return_layers=True)``).
            ids_restore (torch.Tensor): ``[B, L]`` as the encoder returns
                it: the visible patches come first in its order, then the
                masked ones.
            noisy (torch.Tensor): ``[B, L - L_keep, p*p*C]`` noisy pixels
                ``x_t`` of the masked patches, in that order.
            timesteps (torch.Tensor): ``[B]`` diffusion step of each sample.

        Returns:
            torch.Tensor: ``[B, L - L_keep, p*p*C]``, one prediction per
            masked patch.
        """
        batch, num_masked = noisy.shape[:2]
        num_keep = ids_restore.shape[1] - num_masked
        ids_shuffle = torch.argsort(ids_restore, dim=1)
        pos = self.decoder_pos_embed.expand(batch, -1, -1)
        width = pos.shape[-1]

        def at(ids):
            return torch.gather(pos, 1,
                                ids.unsqueeze(-1).expand(-1, -1, width))

        step = self.step_embed(timestep_embedding(timesteps, width))
        x = (self.noisy_embed(noisy) + at(ids_shuffle[:, num_keep:]) +
             step[:, None, :])
        if self.variant == 'joint':
            last = features if torch.is_tensor(features) else features[-1]
            latent = self.decoder_embed(last)
            visible = latent[:, 1:] + at(ids_shuffle[:, :num_keep])
            tokens = torch.cat([latent[:, :1], visible, x], dim=1)
            for block in self.decoder_blocks:
                tokens = block(tokens)
            x = tokens[:, 1 + num_keep:]
        else:
            for block, memory in zip(self.decoder_blocks,
                                     self.memories(features)):
                x = block(x, memory)
        return self.decoder_pred(self.ln1(x))
