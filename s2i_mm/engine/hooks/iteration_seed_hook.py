import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from s2i_mm.registry import HOOKS


@HOOKS.register_module()
class IterationSeedHook(Hook):
    """Reseed the RNGs before every training iteration.

    mmengine checkpoints do not store RNG states, so after ``--resume`` the
    random numbers drawn in the model (MAE masks, dropout, drop path) differ
    from an uninterrupted run. Seeding python, numpy and torch from
    ``(seed, iteration, rank)`` makes a resumed run repeat the uninterrupted
    one exactly (with ``--deterministic``), at the cost of three seed calls
    per iteration.

    Args:
        seed (int, optional): Base seed. Defaults to the runner's seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self, seed=None):
        self.seed = seed

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        base = self.seed if self.seed is not None else runner.seed
        seed = (int(base) * 1_000_003 + runner.iter * 101 + get_rank()) % (
            2**31)
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
