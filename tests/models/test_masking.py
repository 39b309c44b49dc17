from collections import deque

import pytest
import torch

from s2i_mm.models.selfsup.masking import (
    generate_patch_mask,
    mask_to_restore_ids,
    num_masked,
    patch_motion,
)

GRIDS = [(14, 14), (6, 4), (3, 7)]


def _components(grid_mask: torch.Tensor) -> int:
    """Number of 4-connected components of True cells."""
    h, w = grid_mask.shape
    seen = torch.zeros_like(grid_mask)
    count = 0
    for r in range(h):
        for c in range(w):
            if not grid_mask[r, c] or seen[r, c]:
                continue
            count += 1
            queue = deque([(r, c)])
            seen[r, c] = True
            while queue:
                y, x = queue.popleft()
                for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                    ny, nx = y + dy, x + dx
                    if (0 <= ny < h and 0 <= nx < w and grid_mask[ny, nx]
                            and not seen[ny, nx]):
                        seen[ny, nx] = True
                        queue.append((ny, nx))
    return count


def test_num_masked_follows_mae_rounding():
    assert num_masked(196, 0.75) == 147  # MAE: keep int(196 * .25) = 49
    assert num_masked(14, 0.75) == 11  # keep int(3.5) = 3
    assert num_masked(4, 0.9) == 3  # at least one unit stays visible
    assert num_masked(10, 0.0) == 0
    with pytest.raises(ValueError, match='mask_ratio'):
        num_masked(10, 1.0)


@pytest.mark.parametrize('grid', GRIDS)
@pytest.mark.parametrize('ratio', [0.5, 0.75])
def test_random_mask_ratio_and_shape(grid, ratio):
    torch.manual_seed(0)
    mask = generate_patch_mask('random', 8, grid, ratio)
    n = grid[0] * grid[1]
    assert mask.shape == (8, n) and mask.dtype == torch.bool
    assert (mask.sum(1) == num_masked(n, ratio)).all()
    # different samples get different masks
    assert len({tuple(m.tolist()) for m in mask}) > 1


@pytest.mark.parametrize('grid', GRIDS)
def test_joint_mask_hides_whole_columns(grid):
    torch.manual_seed(1)
    h, w = grid
    mask = generate_patch_mask('joint', 16, grid, 0.6).view(16, h, w)
    for m in mask:
        cols = m.any(dim=0)
        # a column is either fully masked or fully visible
        assert torch.equal(m, cols.expand(h, w))
        assert int(cols.sum()) == num_masked(w, 0.6)
    assert len({tuple(m.any(0).tolist()) for m in mask}) > 1


@pytest.mark.parametrize('grid', GRIDS)
def test_temporal_mask_hides_whole_rows(grid):
    torch.manual_seed(2)
    h, w = grid
    mask = generate_patch_mask('temporal', 16, grid, 0.6).view(16, h, w)
    for m in mask:
        rows = m.any(dim=1)
        assert torch.equal(m, rows[:, None].expand(h, w))
        assert int(rows.sum()) == num_masked(h, 0.6)
    assert len({tuple(m.any(1).tolist()) for m in mask}) > 1


@pytest.mark.parametrize('grid', GRIDS)
@pytest.mark.parametrize('ratio', [0.3, 0.75])
def test_block_mask_is_one_contiguous_region(grid, ratio):
    torch.manual_seed(3)
    h, w = grid
    mask = generate_patch_mask('block', 32, grid, ratio).view(32, h, w)
    count = num_masked(h * w, ratio)
    for m in mask:
        assert int(m.sum()) == count
        assert _components(m) == 1
    # not every sample masks the same place
    assert len({tuple(m.flatten().tolist()) for m in mask}) > 1


def test_block_mask_is_not_rows_or_columns():
    torch.manual_seed(4)
    mask = generate_patch_mask('block', 32, (14, 14), 0.3).view(32, 14, 14)
    # a 59-patch region within a 14x14 grid spans several rows and columns
    assert all(m.any(1).sum() > 1 and m.any(0).sum() > 1 for m in mask)


@pytest.mark.parametrize('grid, tube_len', [((6, 8), 2), ((7, 5), 3),
                                            ((4, 4), 1)])
def test_motion_tube_ratio_and_persistence_inside_tubes(grid, tube_len):
    torch.manual_seed(6)
    h, w = grid
    motion = torch.rand(16, h, w)
    mask = generate_patch_mask('motion_tube', 16, grid, 0.75, motion=motion,
                               tube_len=tube_len).view(16, h, w)
    # every row masks the same number of columns: 0.75 of them (MAE's
    # rounding), so every sample masks as many patches
    assert (mask.sum(dim=2) == num_masked(w, 0.75)).all()
    tubes = [range(s, min(s + tube_len, h)) for s in range(0, h, tube_len)]
    for m in mask:
        for tube in tubes:
            # persistent inside a tube: all its rows mask the same columns
            for row in tube:
                assert torch.equal(m[row], m[tube[0]])
    # tubes are drawn independently: some sample changes columns between
    # its first two tubes
    assert any(not torch.equal(m[0], m[tube_len]) for m in mask)


def _mask_rate_per_column(motion_tau, draws=3000):
    torch.manual_seed(7)
    h, w = 4, 8
    motion = torch.arange(w, dtype=torch.float).expand(draws, h, w)
    mask = generate_patch_mask('motion_tube', draws, (h, w), 0.75,
                               motion=motion.contiguous(), tube_len=2,
                               motion_tau=motion_tau)
    return mask.view(draws, h, w).float().mean(dim=(0, 1))


def test_motion_tube_masks_moving_columns_more_often():
    # columns 0..7 move more and more: over many draws (fixed seed) the
    # mask rate rises with the motion ...
    rate = _mask_rate_per_column(0.1)
    assert rate[-1] - rate[0] > 0.08
    assert (rate[4:].mean() - rate[:4].mean()) > 0.04
    # ... by the weight of the prior (strong prior: nearly deterministic)
    strong = _mask_rate_per_column(1.0)
    assert strong[-1] > 0.98 and strong[0] < 0.35
    # without the prior, tube masking is uniform
    uniform = _mask_rate_per_column(0.0)
    assert (uniform - 0.75).abs().max() < 0.03


def test_motion_tube_needs_the_motion_of_every_patch():
    with pytest.raises(ValueError, match='needs the motion'):
        generate_patch_mask('motion_tube', 2, (4, 4), 0.5)
    with pytest.raises(ValueError, match=r'\(2, 4, 4\)'):
        generate_patch_mask('motion_tube', 2, (4, 4), 0.5,
                            motion=torch.rand(2, 4, 3))


def test_patch_motion_is_the_row_to_row_change_of_each_patch():
    # 4 x 4 image, 2 x 2 patches: only the right half changes over time,
    # by 1 per row in channel 0 (of 2)
    images = torch.zeros(1, 2, 4, 4)
    images[0, 0, :, 2:] = torch.arange(4.)[:, None]
    motion = patch_motion(images, (2, 2))
    # mean |change| over 2 channels = 0.5 where it moves, 0 elsewhere; the
    # last row repeats the change above it
    assert torch.allclose(motion, torch.tensor([[[0., 0.5], [0., 0.5]]]))
    images[0, 1, 3, 0] = 4.  # a jump in the last frame of the left column
    motion = patch_motion(images, (2, 2))
    # rows 2 and 3 of the left patch column: |4 - 0| once (row 2 -> 3),
    # repeated for row 3, over 2 x 2 pixels x 2 channels
    assert motion[0, 1, 0] == pytest.approx((4 + 4) / 8)
    assert motion[0, 0, 0] == 0


def test_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match='Unknown mask strategy'):
        generate_patch_mask('tube', 2, (4, 4), 0.5)


def test_restore_ids_gather_visible_tokens_in_order():
    torch.manual_seed(5)
    mask = generate_patch_mask('block', 4, (4, 6), 0.5)
    ids_keep, ids_restore = mask_to_restore_ids(mask)
    for m, keep, restore in zip(mask, ids_keep, ids_restore):
        assert torch.equal(keep, (~m).nonzero().flatten())
        # visible tokens first, then masked: restore undoes the shuffle
        shuffled = torch.cat([keep, m.nonzero().flatten()])
        assert torch.equal(shuffled[restore], torch.arange(24))


def test_restore_ids_refuse_uneven_masks():
    mask = torch.tensor([[True, False], [True, True]])
    with pytest.raises(ValueError, match='same number'):
        mask_to_restore_ids(mask)
