"""SkeletonMAE's losses: masked joints and the bones (edges) touching them,
each scored with GraphMAE's scaled cosine error."""
from typing import Dict

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from s2i_mm.registry import MODELS

from .skeleton_graph import FormatSpec, bone_pairs, resolve_format

__all__ = ['JointEdgeReconstructionHead', 'scaled_cosine_error']


def scaled_cosine_error(pred: torch.Tensor, target: torch.Tensor,
                        gamma: float) -> torch.Tensor:
    """GraphMAE's SCE: mean over rows of ``(1 - cos(pred, target))**gamma``.

    Args:
        pred (torch.Tensor): ``[K, F]``.
        target (torch.Tensor): ``[K, F]``.
        gamma (float): Scaling exponent, >= 1 (down-weights the rows that
            are already close).

    Returns:
        torch.Tensor: A scalar; 0 (still attached to ``pred``) when
        ``K == 0``.
    """
    if pred.shape[0] == 0:
        return pred.sum() * 0.
    cos = F.cosine_similarity(pred, target, dim=-1)
    return (1 - cos).pow(gamma).mean()


@MODELS.register_module()
class JointEdgeReconstructionHead(BaseModule):
    """Losses of SkeletonMAE's reconstruction of masked joints and edges.

    - joints: the scaled cosine error between the rebuilt and the input
      features of every masked joint;
    - edges: every bone ``(child, parent)`` of the format with a masked end
      is an edge to rebuild; its feature is the difference of its two
      joints' features (the bone vector of each frame), and the rebuilt
      one is the same difference of the rebuilt joints. Scored with the
      same error, weighted by ``edge_loss_weight``.

    Joints whose input features are all zero (an absent person, a missing
    detection) have nothing to rebuild and are left out, as are edges with
    such an end.

    Args:
        skeleton_format (str | dict | SkeletonFormat): The layout (bones).
        gamma (float): SCE exponent. Defaults to 2.
        edge_loss_weight (float): Weight of the edge loss. Defaults to 1.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 skeleton_format: FormatSpec,
                 gamma: float = 2.,
                 edge_loss_weight: float = 1.,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if gamma < 1:
            raise ValueError(f'gamma must be >= 1, got {gamma}')
        fmt = resolve_format(skeleton_format)
        self.num_joints = fmt.num_joints
        self.register_buffer('bones', bone_pairs(fmt), persistent=False)
        self.gamma = gamma
        self.edge_loss_weight = edge_loss_weight

    def loss(self, pred: torch.Tensor, target: torch.Tensor,
             mask: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Joint and edge losses.

        Args:
            pred (torch.Tensor): Rebuilt node features ``[G, V, F]``.
            target (torch.Tensor): Input node features ``[G, V, F]``.
            mask (torch.Tensor): Bool ``[G, V]``, True at masked joints.

        Returns:
            dict: ``loss_joint`` and ``loss_edge`` (mmengine sums them).
        """
        if target.shape[1] != self.num_joints:
            raise ValueError(f'the head was built for {self.num_joints} '
                             f'joints, got {target.shape[1]}')
        present = target.abs().sum(dim=-1) > 0
        joints = mask & present
        child, parent = self.bones[:, 0], self.bones[:, 1]
        edges = ((mask[:, child] | mask[:, parent])
                 & present[:, child] & present[:, parent])
        pred_bones = pred[:, child] - pred[:, parent]
        target_bones = target[:, child] - target[:, parent]
        return dict(
            loss_joint=scaled_cosine_error(pred[joints], target[joints],
                                           self.gamma),
            loss_edge=self.edge_loss_weight * scaled_cosine_error(
                pred_bones[edges], target_bones[edges], self.gamma))
