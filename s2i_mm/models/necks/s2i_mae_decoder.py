"""MAE decoder for rectangular patch grids and checkpoints of other grids."""
import math
from typing import Optional, Sequence

import torch
from mmengine.model import BaseModule
from mmpretrain.models import MAEPretrainDecoder

from s2i_mm.registry import MODELS

from ..utils.position_embedding import (
    build_grid_sincos_pos_embed,
    has_pretrained_init,
    resize_pos_embed_in_state_dict,
    to_grid,
)

__all__ = ['resolve_grid', 'S2IMAEPretrainDecoder']


def resolve_grid(num_patches: Optional[int],
                  patch_resolution: Optional[Sequence[int]]):
    if patch_resolution is not None:
        grid = to_grid(patch_resolution)
        if num_patches is not None and num_patches != grid[0] * grid[1]:
            raise ValueError(
                f'num_patches={num_patches} contradicts patch_resolution='
                f'{grid}; give only patch_resolution')
        return grid
    if num_patches is None:
        num_patches = 196  # mmpretrain's default: 224 / 16 = 14 x 14
    side = math.isqrt(num_patches)
    if side * side != num_patches:
        raise ValueError(
            f'num_patches={num_patches} is not a square number; give the '
            'patch grid as patch_resolution=(h, w) (image rows and columns '
            'divided by the patch size)')
    return (side, side)


@MODELS.register_module()
class S2IMAEPretrainDecoder(MAEPretrainDecoder):
    """mmpretrain's ``MAEPretrainDecoder`` on any ``(h, w)`` patch grid.

    Additions over upstream:

    - ``patch_resolution=(h, w)`` for rectangular S2I images (upstream
      derives a square grid from ``num_patches``);
    - a checkpoint ``decoder_pos_embed`` of another square grid is
      interpolated on load, as the encoder's ``pos_embed`` is;
    - with a ``Pretrained`` ``init_cfg`` the loaded position embedding and
      mask token are kept.

    Args:
        num_patches (int, optional): Number of patches of a square grid.
            Defaults to 196 (14 x 14) when ``patch_resolution`` is not
            given either.
        patch_resolution (Sequence[int], optional): Patch grid ``(h, w)``;
            overrides ``num_patches``.
        interpolate_mode (str): Mode for resizing a checkpoint's
            ``decoder_pos_embed``. Defaults to 'bicubic'.
        **kwargs: Other arguments of ``MAEPretrainDecoder``.
    """

    def __init__(self,
                 num_patches: Optional[int] = None,
                 patch_resolution: Optional[Sequence[int]] = None,
                 interpolate_mode: str = 'bicubic',
                 **kwargs) -> None:
        grid = resolve_grid(num_patches, patch_resolution)
        super().__init__(num_patches=grid[0] * grid[1], **kwargs)
        self.patch_resolution = grid
        self.interpolate_mode = interpolate_mode
        self._register_load_state_dict_pre_hook(self._prepare_pos_embed)

    @property
    def embed_dim(self) -> int:
        """Width of the encoder features the decoder reads."""
        return self.decoder_embed.in_features

    def init_weights(self) -> None:
        """Sine-cosine ``decoder_pos_embed`` on the real grid."""
        # MAEPretrainDecoder.init_weights assumes a square grid and would
        # overwrite a loaded checkpoint; run the init_cfg, then our part.
        BaseModule.init_weights(self)
        if has_pretrained_init(self.init_cfg):
            return
        self.decoder_pos_embed.data.copy_(
            build_grid_sincos_pos_embed(self.patch_resolution,
                                        self.decoder_pos_embed.shape[-1]))
        torch.nn.init.normal_(self.mask_token, std=.02)

    def _prepare_pos_embed(self, state_dict, prefix, *args, **kwargs):
        resize_pos_embed_in_state_dict(state_dict,
                                       prefix + 'decoder_pos_embed',
                                       self.patch_resolution, 1,
                                       self.interpolate_mode)
