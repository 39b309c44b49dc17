"""What the S2I masked-image-modelling algorithms share (MAE, DiffMAE).

:class:`S2IMaskedSelfSupervisor`, the base of :class:`~.S2IMAE` and
:class:`~.S2IDiffMAE`, checks that encoder, decoder and head agree (one
``ValueError`` naming every mismatch), accepts the inputs of either collate
function, and turns predicted patches back into images pasted into the
masked patches; see docs/models.md, "DiffMAE pretraining on S2I images".
"""
from typing import List

import torch
from mmpretrain.models import BaseSelfSupervisor

from ..heads.s2i_mae_head import patchify, unpatchify

__all__ = ['S2IMaskedSelfSupervisor']


class S2IMaskedSelfSupervisor(BaseSelfSupervisor):
    """Base of the S2I masked-image-modelling algorithms.

    The neck must have ``num_patches``, ``patch_resolution`` (or ``None``),
    ``embed_dim`` (the encoder width it reads) and a ``decoder_pred``
    linear layer; the head ``patch_size``, ``in_channels``, ``norm_pix``,
    ``construct_target`` and ``target_image``, as
    :class:`~s2i_mm.models.heads.S2IMAEPretrainHead` has.

    Args:
        **kwargs: Arguments of ``mmpretrain.models.BaseSelfSupervisor``
            (``backbone``, ``neck``, ``head``, ``data_preprocessor``,
            ``init_cfg``).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._check_parts_agree()

    def _part_problems(self) -> List[str]:
        """Mismatches between backbone, neck and head, as sentences."""
        backbone, neck, head = self.backbone, self.neck, self.head
        grid = tuple(backbone.patch_resolution)
        problems = []
        if neck.num_patches != grid[0] * grid[1]:
            problems.append(
                f'neck.num_patches={neck.num_patches} but the backbone '
                f'(img_size={tuple(backbone.img_size)}, patch_size='
                f'{backbone.patch_size}) has {grid[0]}x{grid[1]}='
                f'{grid[0] * grid[1]} patches')
        neck_grid = getattr(neck, 'patch_resolution', None)
        if (neck_grid is not None and tuple(neck_grid) != grid
                and neck.num_patches == grid[0] * grid[1]):
            problems.append(
                f'neck.patch_resolution={tuple(neck_grid)} but the backbone '
                f'patch grid is {grid}')
        if neck.embed_dim != backbone.embed_dims:
            problems.append(
                f'neck.embed_dim={neck.embed_dim} but the backbone width is '
                f'{backbone.embed_dims}')
        ph, pw = backbone.patch_size
        if ph != pw or head.patch_size != ph:
            problems.append(
                f'head.patch_size={head.patch_size} but the backbone '
                f'patch_size is {(ph, pw)} (square patches only)')
        target_dims = head.patch_size**2 * head.in_channels
        if neck.decoder_pred.out_features != target_dims:
            problems.append(
                f'the decoder predicts {neck.decoder_pred.out_features} '
                f'values per patch but the head targets {target_dims} '
                '(patch_size**2 * in_channels): set neck.patch_size and '
                'neck.in_chans like the head')
        return problems

    def _check_parts_agree(self) -> None:
        problems = self._part_problems()
        if problems:
            raise ValueError(
                f'{type(self).__name__} parts disagree: ' +
                '; '.join(problems) + '. Derive backbone.img_size, '
                'backbone.patch_size, neck.num_patches (or '
                'neck.patch_resolution), neck.patch_size, neck.embed_dim '
                'and head.patch_size from the same config variables.')

    def _as_batch(self, inputs) -> torch.Tensor:
        """``[B, C, H, W]`` from a tensor, a list of images or one view."""
        if torch.is_tensor(inputs):
            return inputs
        if all(torch.is_tensor(x) and x.dim() == 3 for x in inputs):
            return torch.stack(list(inputs))
        if len(inputs) == 1 and torch.is_tensor(inputs[0]):
            return inputs[0]
        raise ValueError(
            f'{type(self).__name__} expects one view of [B, C, H, W] '
            f'images, got a list of {len(inputs)} inputs')

    def extract_feat(self, inputs):
        """Unmasked encoder features (``backbone(inputs, mask=None)``)."""
        return self.backbone(self._as_batch(inputs), mask=None)

    def pixel_mask(self, mask: torch.Tensor) -> torch.Tensor:
        """Patch mask ``[B, L]`` -> pixel mask ``[B, 1, H, W]``, 1 = masked."""
        grid = tuple(self.backbone.patch_resolution)
        p = self.head.patch_size
        return mask.float().view(-1, 1, *grid).repeat_interleave(
            p, dim=2).repeat_interleave(p, dim=3)

    def patches_to_images(self, patches: torch.Tensor,
                          inputs: torch.Tensor) -> torch.Tensor:
        """Predicted target patches ``[B, L, p*p*C]`` -> images.

        With ``norm_pix`` the patches are in the per-patch normalised space
        of the target; they are de-normalised with the mean and std of the
        target's own patch at the same place (as MAE's visualisation does),
        so a perfect prediction gives the target image back (the input, or
        its motion image with a motion target).
        """
        p, channels = self.head.patch_size, self.head.in_channels
        if self.head.norm_pix:
            target = patchify(self.head.target_image(inputs), p, channels)
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            patches = patches * (var + 1.e-6)**.5 + mean
        return unpatchify(patches, tuple(self.backbone.patch_resolution), p,
                          channels)

    @staticmethod
    def paste(inputs: torch.Tensor, images: torch.Tensor,
              pixel_mask: torch.Tensor) -> torch.Tensor:
        """``images`` in the masked pixels, ``inputs`` (exactly) elsewhere."""
        return torch.where(pixel_mask.bool(), images, inputs)
