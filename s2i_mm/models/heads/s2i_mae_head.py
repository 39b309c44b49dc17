"""MAE pixel-reconstruction head for rectangular images."""
from typing import Optional, Sequence

import torch
from mmpretrain.models import MAEPretrainHead

from s2i_mm.registry import MODELS

__all__ = ['patchify', 'unpatchify', 'S2IMAEPretrainHead']


def patchify(imgs: torch.Tensor, patch_size: int,
             channels: int) -> torch.Tensor:
    """Split ``[B, C, H, W]`` images into ``[B, L, p * p * C]`` patches.

    Patches are in row-major grid order and each one is flattened as
    ``(row, col, channel)``, the layout of MAE's decoder prediction.

    Raises:
        ValueError: If H or W is not a multiple of ``patch_size``.
    """
    b, c, h, w = imgs.shape
    p = patch_size
    if c != channels or h % p or w % p:
        raise ValueError(
            f'Cannot split {c}x{h}x{w} images into {channels}-channel '
            f'{p}x{p} patches: H and W must be multiples of {p}.')
    x = imgs.reshape(b, c, h // p, p, w // p, p)
    x = torch.einsum('nchpwq->nhwpqc', x)
    return x.reshape(b, (h // p) * (w // p), p * p * c)


def unpatchify(x: torch.Tensor, patch_resolution: Sequence[int],
               patch_size: int, channels: int) -> torch.Tensor:
    """Inverse of :func:`patchify` for a ``(h, w)`` patch grid."""
    gh, gw = patch_resolution
    p = patch_size
    if x.shape[1] != gh * gw:
        raise ValueError(f'{x.shape[1]} patches do not fill a {gh}x{gw} '
                         'patch grid')
    x = x.reshape(x.shape[0], gh, gw, p, p, channels)
    x = torch.einsum('nhwpqc->nchpwq', x)
    return x.reshape(x.shape[0], channels, gh * p, gw * p)


@MODELS.register_module()
class S2IMAEPretrainHead(MAEPretrainHead):
    """mmpretrain's ``MAEPretrainHead`` for square or rectangular images.

    The upstream head asserts square images when it splits the target into
    patches; S2I images (time x joints) may be rectangular. Loss, target
    normalisation (``norm_pix``) and arguments are the upstream ones.
    """

    def patchify(self, imgs: torch.Tensor) -> torch.Tensor:
        """Split ``[B, C, H, W]`` images into ``[B, L, p * p * C]``."""
        return patchify(imgs, self.patch_size, self.in_channels)

    def unpatchify(self,
                   x: torch.Tensor,
                   patch_resolution: Optional[Sequence[int]] = None
                   ) -> torch.Tensor:
        """Combine ``[B, L, p * p * C]`` patches into images.

        Args:
            x (torch.Tensor): Patches in row-major grid order.
            patch_resolution (Sequence[int], optional): Grid ``(h, w)``;
                square when omitted.
        """
        if patch_resolution is None:
            side = int(round(x.shape[1]**.5))
            patch_resolution = (side, side)
        return unpatchify(x, patch_resolution, self.patch_size,
                          self.in_channels)
