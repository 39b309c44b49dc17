"""Patch masking strategies for MAE pretraining on S2I images.

Rows of an S2I image are time and columns joints, so the strategies
(``random``, ``block``, ``joint``, ``temporal``, ``motion_tube``) hide
patches, whole columns, whole rows or motion-aware tubes of the patch
grid; every sample of a batch gets the same number of masked patches.
The strategies and their rounding: see docs/models.md, "Masking
strategies".
"""
import math
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

__all__ = [
    'MASK_STRATEGIES', 'num_masked', 'generate_patch_mask',
    'mask_to_restore_ids', 'patch_motion'
]

MASK_STRATEGIES = ('random', 'block', 'joint', 'temporal', 'motion_tube')


def num_masked(num_units: int, mask_ratio: float) -> int:
    """Number of units (patches, rows or columns) to mask.

    Args:
        num_units (int): Units available.
        mask_ratio (float): Requested ratio in ``[0, 1)``.

    Returns:
        int: ``num_units - max(1, int(num_units * (1 - mask_ratio)))``.
    """
    if not 0 <= mask_ratio < 1:
        raise ValueError(f'mask_ratio must be in [0, 1), got {mask_ratio}')
    return num_units - max(1, int(num_units * (1 - mask_ratio)))


def _random_subset(batch_size: int, num_units: int, num_chosen: int,
                   device) -> torch.Tensor:
    """Bool [B, num_units], ``num_chosen`` random True entries per row."""
    order = torch.rand(batch_size, num_units, device=device).argsort(dim=1)
    chosen = torch.zeros(batch_size, num_units, dtype=torch.bool,
                         device=device)
    chosen.scatter_(1, order[:, :num_chosen], True)
    return chosen


def _block_mask(grid: Tuple[int, int], count: int,
                aspect_range: Tuple[float, float], device) -> torch.Tensor:
    """One contiguous region of exactly ``count`` patches, bool [h, w].

    The region is the first ``count`` cells, row by row, of a box of width
    ``bw``; its last row may be partial and touches the row above, so the
    region is 4-connected. ``bw`` follows a log-uniform height/width aspect
    ratio, bounded so the box fits in the grid. The box is placed at a
    random position and randomly mirrored.
    """
    h, w = grid
    mask = torch.zeros(h, w, dtype=torch.bool)
    if count == 0:
        return mask.to(device)
    log_lo, log_hi = (math.log(a) for a in aspect_range)
    aspect = math.exp(log_lo + (log_hi - log_lo) * torch.rand(()).item())
    min_bw, max_bw = math.ceil(count / h), min(w, count)
    bw = min(max(round(math.sqrt(count / aspect)), min_bw), max_bw)
    bh = math.ceil(count / bw)
    box = torch.zeros(bh * bw, dtype=torch.bool)
    box[:count] = True
    box = box.view(bh, bw)
    flips = [d for d in (0, 1) if torch.rand(()).item() < 0.5]
    if flips:
        box = box.flip(flips)
    top = int(torch.randint(0, h - bh + 1, ()).item())
    left = int(torch.randint(0, w - bw + 1, ()).item())
    mask[top:top + bh, left:left + bw] = box
    return mask.to(device)


def patch_motion(images: torch.Tensor,
                 patch_size: Sequence[int]) -> torch.Tensor:
    """Motion of every patch of S2I images, read from the pixels.

    Rows of an S2I image are frames, so the change from one row to the next
    is the joints' frame-to-frame motion (in the image's value space). A
    patch's motion is the mean absolute change, over its pixels and
    channels, between each of its rows and the row below (the last image
    row repeats the change above it).

    Args:
        images (torch.Tensor): ``[B, C, H, W]``.
        patch_size (Sequence[int]): ``(ph, pw)``; ``H`` and ``W`` must be
            multiples of it.

    Returns:
        torch.Tensor: ``[B, H // ph, W // pw]``.
    """
    ph, pw = patch_size
    change = (images[:, :, 1:] - images[:, :, :-1]).abs().mean(dim=1)
    change = torch.cat([change, change[:, -1:]], dim=1)  # [B, H, W]
    return F.avg_pool2d(change[:, None], (ph, pw))[:, 0]


def _motion_tube_mask(motion: torch.Tensor, tube_len: int, count: int,
                      motion_tau: float) -> torch.Tensor:
    """Skeleton2vec's motion-aware tube mask on a grid, bool [B, h, w].

    Rows are cut into tubes of ``tube_len`` rows (the last one may be
    shorter). In each tube a column's motion is its mean over the tube's
    rows, divided by the tube's largest column motion; the ``count``
    columns with the highest ``uniform(0, 1) + motion_tau * motion`` are
    masked in every row of the tube (the official code's ranking, with its
    ``s_tau`` as ``motion_tau``).
    """
    batch, h, w = motion.shape
    starts = range(0, h, tube_len)
    lengths = torch.tensor([min(tube_len, h - s) for s in starts],
                           device=motion.device)
    tubes = torch.stack(
        [motion[:, s:s + tube_len].mean(dim=1) for s in starts], dim=1)
    tubes = tubes / (tubes.amax(dim=2, keepdim=True) + 1e-6)
    score = torch.rand(tubes.shape, device=motion.device) + motion_tau * tubes
    chosen = torch.zeros_like(score, dtype=torch.bool)
    chosen.scatter_(2, score.topk(count, dim=2).indices, True)
    return chosen.repeat_interleave(lengths, dim=1)


def generate_patch_mask(strategy: str,
                        batch_size: int,
                        patch_resolution: Sequence[int],
                        mask_ratio: float,
                        device=None,
                        block_aspect_range: Tuple[float, float] = (0.3,
                                                                   1 / 0.3),
                        motion: Optional[torch.Tensor] = None,
                        tube_len: int = 1,
                        motion_tau: float = 0.1) -> torch.Tensor:
    """Choose the masked patches of a batch.

    Random numbers come from torch's global generator, so
    ``torch.manual_seed`` (and :class:`~s2i_mm.engine.IterationSeedHook`)
    make masks reproducible.

    Args:
        strategy (str): One of :data:`MASK_STRATEGIES`.
        batch_size (int): Number of samples.
        patch_resolution (Sequence[int]): Patch grid ``(h, w)``: rows are
            time, columns are joints.
        mask_ratio (float): Fraction of units to mask, in ``[0, 1)``.
        device: Device of the result.
        block_aspect_range (tuple[float, float]): Range of the height/width
            ratio of ``block`` regions. Defaults to (0.3, 1 / 0.3).
        motion (torch.Tensor, optional): ``[B, h, w]`` motion of every
            patch, required by ``motion_tube``. ``mask_ratio`` is then the
            fraction of columns masked in each tube.
        tube_len (int): Rows per tube for ``motion_tube``. Defaults to 1.
        motion_tau (float): Weight of the motion prior of ``motion_tube``
            (0 = uniform tube masking). Defaults to 0.1 (Skeleton2vec's
            ``s_tau``).

    Returns:
        torch.Tensor: Bool ``[B, h * w]``, True where a patch is masked, in
        row-major patch order; every row has the same number of True.
    """
    h, w = patch_resolution
    if strategy == 'random':
        return _random_subset(batch_size, h * w,
                              num_masked(h * w, mask_ratio), device)
    if strategy == 'joint':
        cols = _random_subset(batch_size, w, num_masked(w, mask_ratio),
                              device)
        return cols[:, None, :].expand(-1, h, -1).reshape(batch_size, -1)
    if strategy == 'temporal':
        rows = _random_subset(batch_size, h, num_masked(h, mask_ratio),
                              device)
        return rows[:, :, None].expand(-1, -1, w).reshape(batch_size, -1)
    if strategy == 'motion_tube':
        if motion is None or tuple(motion.shape) != (batch_size, h, w):
            got = None if motion is None else tuple(motion.shape)
            raise ValueError(
                f"mask strategy 'motion_tube' needs the motion of every "
                f'patch, shape {(batch_size, h, w)}; got {got}')
        if tube_len < 1:
            raise ValueError(f'tube_len must be >= 1, got {tube_len}')
        return _motion_tube_mask(motion, tube_len,
                                 num_masked(w, mask_ratio),
                                 motion_tau).reshape(batch_size, -1).to(
                                     device or motion.device)
    if strategy == 'block':
        count = num_masked(h * w, mask_ratio)
        return torch.stack([
            _block_mask((h, w), count, block_aspect_range, device).flatten()
            for _ in range(batch_size)
        ])
    raise ValueError(f'Unknown mask strategy {strategy!r}; choose one of '
                     f'{", ".join(MASK_STRATEGIES)}')


def mask_to_restore_ids(
        mask: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Token indices for MAE's gather / un-shuffle from a patch mask.

    Args:
        mask (torch.Tensor): Bool ``[B, L]``, True where masked, with the
            same count per row.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: ``ids_keep`` ``[B, L_keep]``
        (visible patches in grid order) and ``ids_restore`` ``[B, L]``
        (position of every patch in the visible-then-masked sequence), as
        mmpretrain's ``MAEPretrainDecoder`` expects.
    """
    counts = mask.sum(dim=1)
    if not bool((counts == counts[0]).all()):
        raise ValueError('Every sample must mask the same number of patches, '
                         f'got {counts.tolist()}')
    ids_shuffle = torch.argsort(mask.to(torch.uint8), dim=1, stable=True)
    ids_restore = torch.argsort(ids_shuffle, dim=1)
    num_keep = mask.shape[1] - int(counts[0])
    return ids_shuffle[:, :num_keep], ids_restore
