"""Datasets of several skeleton formats, drawn with per-member weights.

:class:`MixedFormatDataset` concatenates datasets of different layouts,
each sample keeping its member's ``skeleton_format``;
:class:`MixedFormatSampler` draws from the members by their ``weights``.
A config: see docs/datasets.md, "Mixed formats (universal pretraining)".
"""
import math
from typing import Iterator, List, Optional, Sequence, Union

import numpy as np
from mmengine.dataset import ConcatDataset, DefaultSampler

from s2i_mm.registry import DATA_SAMPLERS, DATASETS

__all__ = ['MixedFormatDataset', 'MixedFormatSampler']


@DATASETS.register_module()
class MixedFormatDataset(ConcatDataset):
    """Concatenation of skeleton datasets that may differ in format.

    Unlike mmengine's ``ConcatDataset`` the members' metainfo (class names,
    ...) may differ; the mixed dataset's metainfo lists the members'
    ``skeleton_formats`` and ``weights``. Samples are those of the members,
    each with its member's ``skeleton_format``.

    Args:
        datasets (Sequence[BaseDataset | dict]): Members, or their configs
            (built in the ``s2i_mm`` scope).
        weights (Sequence[float], optional): Relative probability of drawing
            from each member, whatever its size: ``[1, 1]`` draws half of
            the samples from each of two members. Defaults to each member's
            size (the same as a plain concatenation). Used by
            :class:`MixedFormatSampler`.
        lazy_init (bool): Defer loading the members. Defaults to False.
    """

    def __init__(self,
                 datasets: Sequence[Union[dict, object]],
                 weights: Optional[Sequence[float]] = None,
                 lazy_init: bool = False):
        members = [DATASETS.build(d) if isinstance(d, dict) else d
                   for d in datasets]
        if not members:
            raise ValueError('MixedFormatDataset needs at least one dataset')
        if weights is not None:
            if len(weights) != len(members):
                raise ValueError(
                    f'{len(weights)} weights for {len(members)} datasets')
            if any(w < 0 for w in weights) or not sum(weights) > 0:
                raise ValueError(f'weights must be >= 0 with a positive '
                                 f'sum, got {list(weights)}')
        self.weights = None if weights is None else [float(w)
                                                     for w in weights]
        keys = sorted(set().union(*(m.metainfo.keys() for m in members)))
        super().__init__(members, lazy_init=lazy_init, ignore_keys=keys)
        self._metainfo = dict(
            skeleton_formats=[
                getattr(m, 'skeleton_format', None) for m in members
            ],
            weights=self.weights)

    def member_probabilities(self) -> np.ndarray:
        """Probability of drawing from each member."""
        self.full_init()
        sizes = np.array([len(d) for d in self.datasets], dtype=np.float64)
        weights = sizes if self.weights is None else np.array(self.weights)
        weights = np.where(sizes > 0, weights, 0)
        if not weights.sum() > 0:
            raise ValueError('every member with a weight is empty')
        return weights / weights.sum()


@DATA_SAMPLERS.register_module()
class MixedFormatSampler(DefaultSampler):
    """Draw samples of a :class:`MixedFormatDataset` by member weight.

    Every epoch, each of ``num_samples`` draws picks a member with the
    dataset's :meth:`~MixedFormatDataset.member_probabilities`, then takes
    the member's samples in a random order without repetition (cycling
    through a member before repeating any of its samples). The draw depends
    on ``seed`` and the epoch only; ranks take interleaved slices of it, as
    mmengine's ``DefaultSampler`` does. Any other dataset is one member
    (its samples in random order, cycled: ``num_samples`` sets the epoch
    length of a plain dataset).

    Args:
        dataset: The dataset.
        shuffle (bool): Draw in random order. With False the sampler visits
            the dataset in order (as ``DefaultSampler``). Defaults to True.
        seed (int, optional): Seed, shared by all ranks. Defaults to a
            random one synchronized across ranks.
        round_up (bool): Pad to a multiple of the world size. Defaults to
            True.
        num_samples (int, optional): Draws per epoch over all ranks.
            Defaults to ``len(dataset)``.
    """

    def __init__(self, dataset, shuffle: bool = True,
                 seed: Optional[int] = None, round_up: bool = True,
                 num_samples: Optional[int] = None) -> None:
        super().__init__(dataset, shuffle=shuffle, seed=seed,
                         round_up=round_up)
        self.epoch_size = int(num_samples or len(dataset))
        if round_up:
            self.num_samples = math.ceil(self.epoch_size / self.world_size)
            self.total_size = self.num_samples * self.world_size
        else:
            self.num_samples = math.ceil(
                (self.epoch_size - self.rank) / self.world_size)
            self.total_size = self.epoch_size

    def _draw(self) -> List[int]:
        if not self.shuffle:
            return list(range(len(self.dataset)))[:self.epoch_size]
        rng = np.random.default_rng([self.seed, self.epoch])
        dataset = self.dataset
        if not hasattr(dataset, 'member_probabilities'):
            # one member: its samples in random order, cycled
            cycles = math.ceil(self.epoch_size / max(1, len(dataset)))
            return np.concatenate(
                [rng.permutation(len(dataset)) for _ in range(cycles)]
            )[:self.epoch_size].tolist()
        probs = dataset.member_probabilities()
        members = rng.choice(len(probs), self.epoch_size, p=probs)
        starts = np.concatenate([[0], dataset.cumulative_sizes[:-1]])
        indices = np.empty(self.epoch_size, dtype=np.int64)
        for k in range(len(probs)):
            where = np.flatnonzero(members == k)
            size = len(dataset.datasets[k])
            if not len(where):
                continue
            cycles = math.ceil(len(where) / size)
            order = np.concatenate(
                [rng.permutation(size) for _ in range(cycles)])
            indices[where] = starts[k] + order[:len(where)]
        return indices.tolist()

    def __iter__(self) -> Iterator[int]:
        indices = self._draw()
        if self.round_up and indices:
            indices = (indices * (self.total_size // len(indices) + 1)
                       )[:self.total_size]
        return iter(indices[self.rank:self.total_size:self.world_size])
