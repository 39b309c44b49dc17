"""MAE on S2I images: mmpretrain's MAE with S2I masking and any grid size.

:class:`S2IMAEViT` subclasses mmpretrain's ``MAEViT`` (it is also
DiffMAE's encoder) and :class:`S2IMAE` its ``MAE``, with what all S2I
masked-image-modelling algorithms share from
:class:`~.masked_base.S2IMaskedSelfSupervisor`; the decoder and head
subclasses live in :mod:`s2i_mm.models.necks` and
:mod:`s2i_mm.models.heads`.
"""
from typing import Dict, Tuple

import torch
from mmpretrain.models import MAE, MAEViT, VisionTransformer

from s2i_mm.registry import MODELS

from ..utils.position_embedding import (
    build_grid_sincos_pos_embed,
    has_pretrained_init,
    resize_pos_embed_in_state_dict,
)
from .masked_base import S2IMaskedSelfSupervisor
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

    def forward(self,
                x: torch.Tensor,
                mask: bool = True,
                return_layers: bool = False):
        """Masked encoding (``mask=True``) or plain features.

        Args:
            x (torch.Tensor): Images ``[B, C, H, W]``.
            mask (bool, optional): ``True`` to mask patches (pretraining);
                ``None`` or ``False`` to return ViT features without
                masking.
            return_layers (bool): With masking, return the output of every
                layer instead of the last one only (DiffMAE's top-down
                decoder reads them). Defaults to False.

        Returns:
            tuple: ``(latent, mask, ids_restore)`` when masking, as
            ``MAEViT.forward``; ``latent`` is a list with one
            ``[B, 1 + L_keep, C]`` tensor per layer when ``return_layers``
            (the last one after the final norm, as ``latent`` is).
            Otherwise the ``VisionTransformer`` outputs.
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
        if not return_layers:
            return super().forward(x, mask=True)
        # MAEViT.forward returns the last layer only; hooks collect the
        # others while it runs, so its masked forward stays the one used.
        outputs = []
        handles = [
            layer.register_forward_hook(
                lambda module, args, out: outputs.append(out))
            for layer in self.layers
        ]
        try:
            latent, patch_mask, ids_restore = super().forward(x, mask=True)
        finally:
            for handle in handles:
                handle.remove()
        outputs[-1] = latent
        return outputs, patch_mask, ids_restore


@MODELS.register_module()
class S2IMAE(S2IMaskedSelfSupervisor, MAE):
    """MAE for S2I images, checking that its parts agree.

    mmpretrain's ``MAE`` with what :class:`~.S2IMaskedSelfSupervisor`
    adds (one clear error when backbone, decoder and head disagree; inputs
    from either collate function) and :meth:`reconstruct`, which returns
    the mask and the reconstruction as images, for visualisation.

    Args:
        **kwargs: Arguments of ``mmpretrain.models.MAE`` (``backbone``,
            ``neck``, ``head``, ``data_preprocessor``, ``init_cfg``).
    """

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
        latent, mask, ids_restore = self.backbone(inputs)
        recon = self.patches_to_images(self.neck(latent, ids_restore), inputs)
        pixel_mask = self.pixel_mask(mask)
        return dict(
            mask=pixel_mask,
            reconstruction=recon,
            pasted=self.paste(inputs, recon, pixel_mask))
