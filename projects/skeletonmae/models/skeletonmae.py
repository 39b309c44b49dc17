"""SkeletonMAE (Yan et al., ICCV 2023, arXiv 2307.08476): a graph
masked autoencoder over the skeleton that rebuilds masked joints and
edges."""
from typing import Dict, List, Optional

import torch
import torch.nn as nn
from mmpretrain.models import BaseSelfSupervisor

from s2i_mm.registry import MODELS

from .skeleton_graph import part_ids

__all__ = ['SkeletonMAE', 'joint_mask']

MASK_STRATEGIES = ('body_part', 'random')


def joint_mask(num_graphs: int, part_of_joint: torch.Tensor, count: int,
               strategy: str = 'body_part') -> torch.Tensor:
    """Choose ``count`` masked joints in each of ``num_graphs`` graphs.

    ``body_part``: the body parts are taken in a random order and masked
    whole while they fit; the remaining count comes from the next part
    (random joints of it). The masked joints thus form a few whole limbs
    (or the torso) plus part of one more. ``random``: any joints.

    Args:
        num_graphs (int): Graphs ``G``.
        part_of_joint (torch.Tensor): ``[V]`` body-part index per joint.
        count (int): Masked joints per graph, ``0 <= count <= V``.
        strategy (str): ``'body_part'`` or ``'random'``.

    Returns:
        torch.Tensor: Bool ``[G, V]``, True at masked joints.
    """
    if strategy not in MASK_STRATEGIES:
        raise ValueError(f'mask strategy must be one of {MASK_STRATEGIES}, '
                         f'got {strategy!r}')
    device = part_of_joint.device
    num_joints = part_of_joint.numel()
    # rank joints by (random part rank, random rank inside the part)
    key = torch.rand(num_graphs, num_joints, device=device)
    if strategy == 'body_part':
        num_parts = int(part_of_joint.max()) + 1
        part_rank = torch.rand(num_graphs, num_parts,
                               device=device).argsort(dim=1).argsort(dim=1)
        key = key + part_rank[:, part_of_joint]
    mask = torch.zeros(num_graphs, num_joints, dtype=torch.bool,
                       device=device)
    return mask.scatter_(1, key.argsort(dim=1)[:, :count], True)


@MODELS.register_module()
class SkeletonMAE(BaseSelfSupervisor):
    """SkeletonMAE pretraining.

    Every segment of every person is a graph over the format's joints
    (:class:`~.SkeletonGINEncoder`). A fraction of its joints is masked
    (:func:`joint_mask`, by body parts by default); their input features
    are replaced by a learnable mask token (GraphMAE's ``[MASK]``), the
    encoder encodes the graph, the decoder (neck,
    :class:`~.SkeletonGINDecoder`) re-masks and rebuilds every joint, and
    the head (:class:`~.JointEdgeReconstructionHead`) scores the masked
    joints and the bones touching them.

    Args:
        backbone (dict): A :class:`~.SkeletonGINEncoder`.
        neck (dict): A :class:`~.SkeletonGINDecoder` for the same format.
        head (dict): A :class:`~.JointEdgeReconstructionHead`.
        mask_ratio (float): Fraction of the joints of a graph to mask,
            ``round(ratio * V)`` joints. Defaults to 0.5.
        mask_strategy (str): ``'body_part'`` or ``'random'``. Defaults to
            'body_part'.
        data_preprocessor (dict, optional): Defaults to mmpretrain's
            ``ClsDataPreprocessor`` without normalisation (it stacks the
            packed ``[N, M, T, V, C]`` samples into a batch).
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 head: dict,
                 mask_ratio: float = 0.5,
                 mask_strategy: str = 'body_part',
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            head=head,
            data_preprocessor=data_preprocessor
            or dict(type='ClsDataPreprocessor'),
            init_cfg=init_cfg)
        fmt = self.backbone.skeleton_format
        problems = []
        if self.neck.skeleton_format != fmt:
            problems.append(f'neck.skeleton_format is '
                            f'{self.neck.skeleton_format.name}')
        if self.head.num_joints != fmt.num_joints:
            problems.append(f'the head has {self.head.num_joints} joints')
        if self.neck.embed_dims != self.backbone.embed_dims:
            problems.append(f'neck.embed_dims={self.neck.embed_dims}')
        if self.neck.out_dims != self.backbone.node_dims:
            problems.append(f'neck.out_dims={self.neck.out_dims} (the '
                            f'nodes have {self.backbone.node_dims} values)')
        if problems:
            raise ValueError(
                f'SkeletonMAE parts disagree with the backbone (format '
                f'{fmt.name}, width {self.backbone.embed_dims}): ' +
                '; '.join(problems))
        if not 0 < mask_ratio < 1:
            raise ValueError(f'mask_ratio must be in (0, 1), got {mask_ratio}')
        joint_mask(1, part_ids(fmt), 0, mask_strategy)  # validates it
        self.mask_ratio, self.mask_strategy = mask_ratio, mask_strategy
        self.num_masked = max(1, round(mask_ratio * fmt.num_joints))
        self.register_buffer('part_of_joint', part_ids(fmt),
                             persistent=False)
        self.mask_token = nn.Parameter(
            torch.zeros(1, 1, self.backbone.node_dims))

    def extract_feat(self, inputs: torch.Tensor):
        """The encoder's pooled features."""
        return self.backbone(inputs)

    def loss(self, inputs: torch.Tensor,
             data_samples: Optional[List] = None) -> Dict[str, torch.Tensor]:
        """Joint and edge reconstruction losses of a batch.

        Args:
            inputs (torch.Tensor): ``[B, N, M, T, V, C]`` or
                ``[B, M, T, V, C]``; every person is a sequence.
            data_samples (list, optional): Unused (self-supervised).
        """
        sequences = inputs.flatten(0, inputs.dim() - 4)
        nodes = self.backbone.node_features(sequences)
        mask = joint_mask(nodes.shape[0], self.part_of_joint,
                          self.num_masked, self.mask_strategy)
        masked_nodes = torch.where(mask[..., None], self.mask_token, nodes)
        rebuilt = self.neck(self.backbone.encode(masked_nodes), mask)
        return self.head.loss(rebuilt, nodes, mask)
