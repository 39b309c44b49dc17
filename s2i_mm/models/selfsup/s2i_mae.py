"""MAE on S2I images: mmpretrain's MAE with S2I masking and any grid size.

:class:`S2IMAEViT` subclasses mmpretrain's ``MAEViT`` and :class:`S2IMAE`
its ``MAE``; the decoder and head subclasses live in
:mod:`s2i_mm.models.necks` and :mod:`s2i_mm.models.heads`.
"""
from typing import Dict, Tuple

import torch
from mmpretrain.models import MAE, MAEViT, VisionTransformer

from s2i_mm.registry import MODELS

from ..heads.s2i_mae_head import patchify, unpatchify
from ..utils.position_embedding import (
    build_grid_sincos_pos_embed,
    has_pretrained_init,
    resize_pos_embed_in_state_dict,
)
from .masking import (
    MASK_STRATEGIES,
    generate_patch_mask,
    mask_to_restore_ids,
    num_masked,
    patch_motion,
)

__all__ = ['S2IMAEViT', 'S2IMAE']


@MODELS.register_module()
class S2IMAEViT(MAEViT):
    """MAE encoder with a choice of masking strategy and any patch grid.

    Compared with mmpretrain's ``MAEViT``:

    - ``mask_strategy`` picks ``random`` / ``block`` / ``joint`` (whole patch
      columns) / ``temporal`` (whole patch rows) / ``motion_tube``
      (Skeleton2vec's motion-aware tube masking on the patch grid), see
      :mod:`s2i_mm.models.selfsup.masking`; ``motion_tube`` reads the
      motion from the image itself (:func:`~.masking.patch_motion`: the
      row-to-row change of each patch's pixels, rows being frames);
    - ``img_size`` may be any size divisible into patches, square or not
      (S2I images have time on the rows and joints on the columns); the
      fixed sine-cosine position embedding follows the real grid;
    - with a ``Pretrained`` ``init_cfg`` the loaded ``pos_embed``,
      ``patch_embed`` and ``cls_token`` are kept (``MAEViT.init_weights``
      overwrites them after loading); a checkpoint on another square grid
      has its ``pos_embed`` interpolated (see
      :mod:`s2i_mm.models.utils.position_embedding` for why);
    - ``forward(x, mask=False)`` returns features like ``mask=None``, and a
      masked forward of an image of the wrong size fails with a clear error.

    Args:
        mask_strategy (str): One of ``'random'``, ``'block'``, ``'joint'``,
            ``'temporal'``. Defaults to 'random'.
        mask_ratio (float): Fraction of patches (or patch columns / rows for
            ``joint`` / ``temporal``) to mask, in ``[0, 1)``. Defaults to
            0.75.
        block_aspect_range (tuple[float, float]): Height/width ratio range
            of ``block`` regions. Defaults to (0.3, 1 / 0.3).
        tube_len (int): Patch rows per tube of ``motion_tube``. Defaults
            to 3 (ours: on a 224 x 224 image of 64 frames a 16-pixel patch
            row spans 4.6 frames, so a tube spans ~14 frames, as
            Skeleton2vec's tubes of 5 segments x 3 frames do).
        motion_tau (float): Weight of the motion prior of ``motion_tube``
            (Skeleton2vec's ``s_tau``). Defaults to 0.1, its NTU value.
        **kwargs: Other arguments of ``mmpretrain.models.MAEViT`` (``arch``,
            ``img_size``, ``patch_size``, ``init_cfg``, ...).
    """

    def __init__(self,
                 mask_strategy: str = 'random',
                 mask_ratio: float = 0.75,
                 block_aspect_range: Tuple[float, float] = (0.3, 1 / 0.3),
                 tube_len: int = 3,
                 motion_tau: float = 0.1,
                 **kwargs) -> None:
        if mask_strategy not in MASK_STRATEGIES:
            raise ValueError(
                f'Unknown mask_strategy {mask_strategy!r}; choose one of '
                f'{", ".join(MASK_STRATEGIES)}')
        num_masked(1, mask_ratio)  # validates the ratio
        if tube_len < 1:
            raise ValueError(f'tube_len must be >= 1, got {tube_len}')
        super().__init__(mask_ratio=mask_ratio, **kwargs)
        self.mask_strategy = mask_strategy
        self.block_aspect_range = tuple(block_aspect_range)
        self.tube_len = tube_len
        self.motion_tau = motion_tau
        self._patch_motion = None  # set by forward for random_masking

    @property
    def patch_size(self) -> Tuple[int, int]:
        """Patch size ``(ph, pw)`` of the patch embedding."""
        return tuple(self.patch_embed.projection.kernel_size)

    def init_weights(self) -> None:
        """Sine-cosine ``pos_embed`` on the real grid, or a checkpoint."""
        # VisionTransformer.init_weights runs the init_cfg (loading a
        # checkpoint last); MAEViT's own additions must not overwrite one.
        VisionTransformer.init_weights(self)
        if has_pretrained_init(self.init_cfg):
            return
        self.pos_embed.data.copy_(
            build_grid_sincos_pos_embed(self.patch_resolution,
                                        self.embed_dims))
        w = self.patch_embed.projection.weight.data
        torch.nn.init.xavier_uniform_(w.view([w.shape[0], -1]))
        torch.nn.init.normal_(self.cls_token, std=.02)

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs):
        """Load hook: interpolate a checkpoint ``pos_embed`` to our grid."""
        resize_pos_embed_in_state_dict(state_dict, prefix + 'pos_embed',
                                       self.patch_resolution,
                                       self.num_extra_tokens,
                                       self.interpolate_mode)

    def random_masking(self,
                       x: torch.Tensor,
                       mask_ratio: float = 0.75
                       ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mask patch tokens with :attr:`mask_strategy`.

        ``MAEViT.forward`` calls this hook (named after MAE's only strategy)
        on the patch tokens ``x`` of shape ``[B, L, C]``.

        Returns:
            tuple: ``x_masked`` ``[B, L_keep, C]`` (visible tokens in grid
            order), ``mask`` float ``[B, L]`` (1 = masked) and
            ``ids_restore`` ``[B, L]``.
        """
        mask = generate_patch_mask(
            self.mask_strategy,
            x.shape[0],
            self.patch_resolution,
            mask_ratio,
            device=x.device,
            block_aspect_range=self.block_aspect_range,
            motion=self._patch_motion,
            tube_len=self.tube_len,
            motion_tau=self.motion_tau)
        ids_keep, ids_restore = mask_to_restore_ids(mask)
        x_masked = torch.gather(
            x, 1, ids_keep.unsqueeze(-1).expand(-1, -1, x.shape[-1]))
        return x_masked, mask.to(x.dtype), ids_restore

    def forward(self, x: torch.Tensor, mask: bool = True):
        """Masked encoding (``mask=True``) or plain features.

        Args:
            x (torch.Tensor): Images ``[B, C, H, W]``.
            mask (bool, optional): ``True`` to mask patches (pretraining);
                ``None`` or ``False`` to return ViT features without
                masking.

        Returns:
            tuple: ``(latent, mask, ids_restore)`` when masking, as
            ``MAEViT.forward``; otherwise the ``VisionTransformer`` outputs.
        """
        if mask is None or mask is False:
            return VisionTransformer.forward(self, x)
        # motion_tube masks by motion: MAEViT.forward only hands the
        # patch tokens to random_masking, so the image's is kept here
        self._patch_motion = (
            patch_motion(x, self.patch_size)
            if self.mask_strategy == 'motion_tube' else None)
        if tuple(x.shape[-2:]) != tuple(self.img_size):
            raise ValueError(
                f'S2IMAEViT was built for {self.img_size[0]}x'
                f'{self.img_size[1]} images (img_size) but got '
                f'{x.shape[-2]}x{x.shape[-1]}; masked pretraining uses a '
                'fixed position embedding, so resize the S2I images to '
                'img_size in the pipeline or change img_size.')
        return super().forward(x, mask=True)


@MODELS.register_module()
class S2IMAE(MAE):
    """MAE for S2I images, checking that its parts agree.

    mmpretrain's ``MAE`` with two additions:

    - at construction, the backbone's patch grid and size, the decoder's
      ``num_patches`` / ``patch_resolution``, ``embed_dim`` and output width
      and the head's ``patch_size`` must agree; a mismatch raises one
      ``ValueError`` saying which values to change (upstream fails later
      with a shape error deep in a forward pass);
    - :meth:`reconstruct` returns the mask and the reconstruction as images,
      for visualisation;
    - inputs may come from either collate function: with mmengine's
      ``pseudo_collate`` mmpretrain's ``SelfSupDataPreprocessor`` returns a
      list of ``[C, H, W]`` images (it reads a list as views), which are
      stacked into one batch here.

    Args:
        **kwargs: Arguments of ``mmpretrain.models.MAE`` (``backbone``,
            ``neck``, ``head``, ``data_preprocessor``, ``init_cfg``).
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._check_parts_agree()

    def _check_parts_agree(self) -> None:
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
        if neck.decoder_embed.in_features != backbone.embed_dims:
            problems.append(
                f'neck.embed_dim={neck.decoder_embed.in_features} but the '
                f'backbone width is {backbone.embed_dims}')
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
        if problems:
            raise ValueError(
                'S2IMAE parts disagree: ' + '; '.join(problems) +
                '. Derive backbone.img_size, backbone.patch_size, '
                'neck.num_patches (or neck.patch_resolution), neck.patch_size,'
                ' neck.embed_dim and head.patch_size from the same config '
                'variables.')

    @staticmethod
    def _as_batch(inputs) -> torch.Tensor:
        """``[B, C, H, W]`` from a tensor, a list of images or one view."""
        if torch.is_tensor(inputs):
            return inputs
        if all(torch.is_tensor(x) and x.dim() == 3 for x in inputs):
            return torch.stack(list(inputs))
        if len(inputs) == 1 and torch.is_tensor(inputs[0]):
            return inputs[0]
        raise ValueError('S2IMAE expects one view of [B, C, H, W] images, got '
                         f'a list of {len(inputs)} inputs')

    def extract_feat(self, inputs):
        """Unmasked encoder features (as ``MAE.extract_feat``)."""
        return super().extract_feat(self._as_batch(inputs))

    def loss(self, inputs, data_samples, **kwargs):
        """MAE reconstruction loss (as ``MAE.loss``)."""
        return super().loss(self._as_batch(inputs), data_samples, **kwargs)

    @torch.no_grad()
    def reconstruct(self, inputs: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Mask, encode and decode a batch; return images for inspection.

        Args:
            inputs (torch.Tensor | list[torch.Tensor]): Preprocessed images
                ``[B, C, H, W]`` (or a list of ``[C, H, W]`` images).

        Returns:
            dict[str, torch.Tensor]:

            - ``mask``: ``[B, 1, H, W]``, 1 where the patch was masked;
            - ``reconstruction``: ``[B, C, H, W]`` decoder output in the
              input's value space (with ``norm_pix`` the prediction is
              de-normalised with each patch's own mean and std, as MAE's
              visualisation does);
            - ``pasted``: visible patches of the input with the
              reconstruction in the masked ones.
        """
        inputs = self._as_batch(inputs)
        grid = tuple(self.backbone.patch_resolution)
        latent, mask, ids_restore = self.backbone(inputs)
        pred = self.neck(latent, ids_restore)
        p, channels = self.head.patch_size, self.head.in_channels
        if self.head.norm_pix:
            target = patchify(inputs, p, channels)
            mean = target.mean(dim=-1, keepdim=True)
            var = target.var(dim=-1, keepdim=True)
            pred = pred * (var + 1.e-6)**.5 + mean
        recon = unpatchify(pred, grid, p, channels)
        pixel_mask = mask.view(-1, 1, *grid).repeat_interleave(
            p, dim=2).repeat_interleave(p, dim=3)
        return dict(
            mask=pixel_mask,
            reconstruction=recon,
            pasted=inputs * (1 - pixel_mask) + recon * pixel_mask)
