from collections import deque

import pytest
import torch

from s2i_mm.models.selfsup.masking import (
    generate_patch_mask,
    mask_to_restore_ids,
    num_masked,
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
