"""Position embeddings on rectangular patch grids.

S2I patch grids need not be square (time on rows, joints on columns); the
helpers build sine-cosine tables on ``h x w`` grids and interpolate a
checkpoint's table onto them, also MAE's fixed one. Why interpolate rather
than regenerate: see docs/models.md, "ImageNet-pretrained initialisation".
"""
import math
from typing import Dict, Optional, Sequence, Tuple, Union

import torch
from mmengine.logging import MMLogger
from mmpretrain.models.utils import (
    build_2d_sincos_position_embedding,
    resize_pos_embed,
)

__all__ = [
    'build_grid_sincos_pos_embed', 'to_grid', 'resize_pos_embed_in_state_dict',
    'has_pretrained_init'
]


def to_grid(size: Union[int, Sequence[int]]) -> Tuple[int, int]:
    """Return ``size`` as an ``(h, w)`` tuple of ints."""
    if isinstance(size, int):
        return (size, size)
    h, w = size
    return (int(h), int(w))


def build_grid_sincos_pos_embed(patch_resolution: Union[int, Sequence[int]],
                                embed_dims: int,
                                cls_token: bool = True) -> torch.Tensor:
    """Fixed 2D sine-cosine position embedding of an ``(h, w)`` patch grid.

    Token ``k`` is the patch at row ``k // w`` and column ``k % w`` (the
    order of :class:`mmcv.cnn.bricks.transformer.PatchEmbed`). Half of the
    channels encode the row, half the column. On a square grid the result
    equals mmpretrain's :func:`build_2d_sincos_position_embedding`, which
    flattens its grid column-major and is therefore only right for square
    grids; we call it with the two sides swapped to get row-major order.

    Args:
        patch_resolution (int | Sequence[int]): Grid size ``(h, w)``.
        embed_dims (int): Embedding width, divisible by 4.
        cls_token (bool): Prepend a zero embedding for the class token.
            Defaults to True.

    Returns:
        torch.Tensor: Shape ``[1, h * w (+1), embed_dims]``.
    """
    h, w = to_grid(patch_resolution)
    return build_2d_sincos_position_embedding((w, h),
                                              embed_dims,
                                              cls_token=cls_token).float()


def resize_pos_embed_in_state_dict(state_dict: Dict[str, torch.Tensor],
                                   key: str,
                                   dst_resolution: Sequence[int],
                                   num_extra_tokens: int = 1,
                                   mode: str = 'bicubic',
                                   src_resolution: Optional[
                                       Sequence[int]] = None) -> None:
    """Resize ``state_dict[key]`` in place to a ``dst_resolution`` grid.

    Meant for ``load_state_dict`` pre-hooks. Nothing happens if the key is
    absent or the grid already matches.

    Args:
        state_dict (dict): The state dict being loaded.
        key (str): Full key of the embedding, shape ``[1, L, C]``.
        dst_resolution (Sequence[int]): Patch grid ``(h, w)`` of the model.
        num_extra_tokens (int): Leading tokens not on the grid (class
            token). Defaults to 1.
        mode (str): Interpolation mode. Defaults to 'bicubic'.
        src_resolution (Sequence[int], optional): Grid of the checkpoint.
            Inferred when its token count is a square number.

    Raises:
        ValueError: If the checkpoint grid cannot be inferred.
    """
    if key not in state_dict:
        return
    src = state_dict[key]
    dst_h, dst_w = to_grid(dst_resolution)
    num_src = src.shape[1] - num_extra_tokens
    if num_src == dst_h * dst_w and src_resolution is None:
        return
    if src_resolution is None:
        side = math.isqrt(num_src)
        if side * side != num_src:
            raise ValueError(
                f'Cannot resize {key!r} of the checkpoint: its {num_src} '
                'grid tokens do not form a square grid, so the source grid '
                f'is unknown (the model expects {dst_h}x{dst_w}). Load it '
                'into a model with the same img_size and patch_size.')
        src_resolution = (side, side)
    MMLogger.get_current_instance().info(
        f'Resize {key} from a {src_resolution[0]}x{src_resolution[1]} to a '
        f'{dst_h}x{dst_w} patch grid ({mode} interpolation).')
    state_dict[key] = resize_pos_embed(src, tuple(src_resolution),
                                       (dst_h, dst_w), mode, num_extra_tokens)


def has_pretrained_init(init_cfg) -> bool:
    """Whether an ``init_cfg`` (dict or list) loads a checkpoint."""
    cfgs = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return any(
        isinstance(cfg, dict) and cfg.get('type') == 'Pretrained'
        for cfg in cfgs)
