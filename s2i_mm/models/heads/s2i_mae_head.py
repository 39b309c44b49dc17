"""MAE reconstruction head for rectangular images, pixel or motion target.

``target='motion'`` reconstructs the masked patches of the motion image
(row-to-row difference of the S2I image, rows being frames) from the
visible joint patches, in the spirit of MAMP; why and how it was measured:
docs/benchmarks.md, "Ablations on the three dev sets".
"""
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.models import MAEPretrainHead

from s2i_mm.registry import MODELS

__all__ = ['patchify', 'unpatchify', 'motion_image', 'S2IMAEPretrainHead']

#: what the head reconstructs
TARGETS = ('pixel', 'motion')


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


def motion_image(imgs: torch.Tensor) -> torch.Tensor:
    """Row-to-row change of ``[B, C, H, W]`` S2I images (rows are frames).

    Row ``t`` holds ``x[t + 1] - x[t]``; the last row repeats the one
    before it, so the motion image has the input's size.
    """
    if imgs.shape[2] < 2:
        raise ValueError('a motion target needs images of at least 2 rows '
                         f'(frames), got {imgs.shape[2]}')
    diff = imgs[:, :, 1:] - imgs[:, :, :-1]
    return F.pad(diff, (0, 0, 0, 1), mode='replicate')


@MODELS.register_module()
class S2IMAEPretrainHead(MAEPretrainHead):
    """mmpretrain's ``MAEPretrainHead`` for any image shape and two targets.

    The upstream head asserts square images when it splits the target into
    patches; S2I images (time x joints) may be rectangular. Loss, target
    normalisation (``norm_pix``) and the other arguments are the upstream
    ones.

    Args:
        target (str): ``'pixel'`` reconstructs the input image (MAE);
            ``'motion'`` its :func:`motion_image` (the masked patches of
            the motion image predicted from the visible joint patches).
            Defaults to 'pixel'.
        **kwargs: Arguments of ``mmpretrain.models.MAEPretrainHead``.
    """

    def __init__(self, target: str = 'pixel', **kwargs) -> None:
        if target not in TARGETS:
            raise ValueError(f'Unknown MAE target {target!r}; choose one '
                             f'of {TARGETS}')
        super().__init__(**kwargs)
        self.target = target

    def target_image(self, imgs: torch.Tensor) -> torch.Tensor:
        """The image whose patches are reconstructed, from the input."""
        return motion_image(imgs) if self.target == 'motion' else imgs

    def construct_target(self, target: torch.Tensor) -> torch.Tensor:
        """Patches of :meth:`target_image` (normalised with ``norm_pix``)."""
        return super().construct_target(self.target_image(target))

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
