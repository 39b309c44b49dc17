"""GIN layers over the skeleton graph: SkeletonMAE's encoder and its
one-layer decoder."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from s2i_mm.registry import MODELS

from .skeleton_graph import FormatSpec, bone_adjacency, resolve_format

__all__ = ['GINLayer', 'SkeletonGINEncoder', 'SkeletonGINDecoder']


class GINLayer(nn.Module):
    """Graph isomorphism layer (Xu et al., ICLR 2019), sum aggregation:
    ``h_i' = MLP((1 + eps) * h_i + sum_{j in N(i)} h_j)``, the MLP being
    Linear -> LayerNorm -> PReLU -> Linear.

    Args:
        in_dims (int): Input width.
        out_dims (int): Output width.
        hidden_dims (int, optional): MLP hidden width. Defaults to
            ``out_dims``.
        eps (float): Initial ``eps``. Defaults to 0.
        learn_eps (bool): Learn ``eps``. Defaults to False (GIN-0).
    """

    def __init__(self,
                 in_dims: int,
                 out_dims: int,
                 hidden_dims: Optional[int] = None,
                 eps: float = 0.,
                 learn_eps: bool = False) -> None:
        super().__init__()
        hidden_dims = hidden_dims or out_dims
        self.eps = nn.Parameter(torch.tensor(float(eps)),
                                requires_grad=learn_eps)
        self.mlp = nn.Sequential(
            nn.Linear(in_dims, hidden_dims), nn.LayerNorm(hidden_dims),
            nn.PReLU(), nn.Linear(hidden_dims, out_dims))

    def forward(self, nodes: torch.Tensor,
                adjacency: torch.Tensor) -> torch.Tensor:
        """``[G, V, in_dims]`` nodes of ``G`` graphs -> ``[G, V, out]``."""
        return self.mlp((1 + self.eps) * nodes + adjacency @ nodes)


class _SkeletonGraphModule(BaseModule):
    """Holds the format's bone adjacency as a buffer."""

    def __init__(self, skeleton_format: FormatSpec, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.skeleton_format = resolve_format(skeleton_format)
        self.num_joints = self.skeleton_format.num_joints
        self.register_buffer('adjacency',
                             bone_adjacency(self.skeleton_format),
                             persistent=False)


@MODELS.register_module()
class SkeletonGINEncoder(_SkeletonGraphModule):
    """SkeletonMAE's encoder: GIN layers over the skeleton graph.

    A node is one joint over ``segment_len`` frames (its ``segment_len x
    C`` values); each segment of each person is one graph, so the encoder
    relates joints through the skeleton's topology (the paper's encoder
    "learns the joint representation spatially"). Every GIN layer is
    followed by LayerNorm and PReLU (GraphMAE's encoder applies its norm
    and activation after every layer, the last one included).

    As a backbone (``forward``) it returns, per sample, the mean node
    feature over joints, segments, persons and clips, as a one-element
    tuple for mmpretrain's necks and heads. SkeletonMAE calls
    :meth:`node_features` and :meth:`encode`.

    Args:
        skeleton_format (str | dict | SkeletonFormat): The layout; its
            bones are the graph's edges (any registered format works).
        clip_len (int): Frames per sequence ``T``.
        in_channels (int): Channels per joint ``C``. Defaults to 3.
        segment_len (int): Frames per node. Defaults to 1 (a graph per
            frame).
        embed_dims (int): Hidden width. Defaults to 64.
        num_layers (int): GIN layers. Defaults to 3.
        frozen (bool): Freeze every parameter and stay in eval mode (linear
            probing). Defaults to False.
        init_cfg (dict, optional): E.g. ``Pretrained``.
    """

    def __init__(self,
                 skeleton_format: FormatSpec,
                 clip_len: int,
                 in_channels: int = 3,
                 segment_len: int = 1,
                 embed_dims: int = 64,
                 num_layers: int = 3,
                 frozen: bool = False,
                 init_cfg=None) -> None:
        super().__init__(skeleton_format, init_cfg=init_cfg)
        if clip_len % segment_len:
            raise ValueError(f'clip_len={clip_len} must be a multiple of '
                             f'segment_len={segment_len}')
        self.clip_len, self.in_channels = clip_len, in_channels
        self.segment_len, self.embed_dims = segment_len, embed_dims
        self.node_dims = segment_len * in_channels
        widths = [self.node_dims] + [embed_dims] * num_layers
        self.layers = nn.ModuleList(
            GINLayer(i, o) for i, o in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(
            nn.LayerNorm(embed_dims) for _ in range(num_layers))
        self.acts = nn.ModuleList(nn.PReLU() for _ in range(num_layers))
        self.frozen = frozen
        if frozen:
            self.requires_grad_(False)

    def train(self, mode: bool = True) -> 'SkeletonGINEncoder':
        return super().train(mode and not self.frozen)

    def node_features(self, sequences: torch.Tensor) -> torch.Tensor:
        """``[N, T, V, C]`` -> graphs ``[N * T / s, V, s * C]``."""
        expected = (self.clip_len, self.num_joints, self.in_channels)
        if tuple(sequences.shape[1:]) != expected:
            raise ValueError(
                f'SkeletonGINEncoder was built for sequences of T x V x C = '
                f'{expected} (clip_len, the format\'s joints, in_channels), '
                f'got {tuple(sequences.shape[1:])}')
        n, t, v, c = sequences.shape
        s = self.segment_len
        return sequences.view(n, t // s, s, v, c).transpose(2, 3).reshape(
            n * t // s, v, s * c)

    def encode(self, nodes: torch.Tensor) -> torch.Tensor:
        """Node features ``[G, V, s * C]`` -> ``[G, V, embed_dims]``."""
        for layer, norm, act in zip(self.layers, self.norms, self.acts):
            nodes = act(norm(layer(nodes, self.adjacency)))
        return nodes

    def forward(self, inputs: torch.Tensor) -> Tuple[torch.Tensor]:
        """Pooled features ``([B, D], )`` of ``[B, N, M, T, V, C]`` (or
        ``[B, M, T, V, C]``) skeletons."""
        if inputs.dim() not in (5, 6):
            raise ValueError('expected skeleton inputs [B, N, M, T, V, C] or '
                             f'[B, M, T, V, C], got {tuple(inputs.shape)}')
        batch = inputs.shape[0]
        sequences = inputs.flatten(0, inputs.dim() - 4)
        nodes = self.encode(self.node_features(sequences))
        return (nodes.view(batch, -1, self.embed_dims).mean(dim=1), )


@MODELS.register_module()
class SkeletonGINDecoder(_SkeletonGraphModule):
    """SkeletonMAE's light decoder: one GIN layer back to the node input.

    GraphMAE's re-masking comes first: the encoder output goes through a
    bias-free linear layer and the masked joints' codes are set to zero,
    so their features must be rebuilt from their graph neighbours.

    Args:
        skeleton_format (str | dict | SkeletonFormat): The layout.
        embed_dims (int): Encoder width.
        out_dims (int): Node input width (``segment_len * C``).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self, skeleton_format: FormatSpec, embed_dims: int,
                 out_dims: int, init_cfg=None) -> None:
        super().__init__(skeleton_format, init_cfg=init_cfg)
        self.embed_dims, self.out_dims = embed_dims, out_dims
        self.encoder_to_decoder = nn.Linear(embed_dims, embed_dims,
                                            bias=False)
        self.layer = GINLayer(embed_dims, out_dims, hidden_dims=embed_dims)

    def forward(self, codes: torch.Tensor,
                mask: torch.Tensor) -> torch.Tensor:
        """Rebuilt node features ``[G, V, out_dims]``.

        Args:
            codes (torch.Tensor): Encoder output ``[G, V, embed_dims]``.
            mask (torch.Tensor): Bool ``[G, V]``, True at masked joints.
        """
        codes = self.encoder_to_decoder(codes).masked_fill(mask[..., None],
                                                           0.)
        return self.layer(codes, self.adjacency)
