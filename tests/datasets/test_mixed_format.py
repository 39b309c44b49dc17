import pickle

import numpy as np
from skeleton_data import make_data

from s2i_mm.datasets import (
    MixedFormatDataset,
    MixedFormatSampler,
    SkeletonDataset,
)
from s2i_mm.registry import DATA_SAMPLERS, DATASETS


def _members(tmp_path):
    paths = []
    for name, joints, per_class in (('ntu25', 25, 10), ('lcrnet13', 13, 2)):
        path = tmp_path / f'{name}.pkl'
        path.write_bytes(pickle.dumps(make_data(
            num_per_class=per_class, skeleton_format=name,
            num_joints=joints)))
        paths.append(str(path))
    return paths


def test_samples_keep_their_format(tmp_path):
    big, small = _members(tmp_path)
    mixed = DATASETS.build(dict(
        type='MixedFormatDataset', weights=[1, 1], datasets=[
            dict(type='SkeletonDataset', ann_file=big, cache=False),
            dict(type='SkeletonDataset', ann_file=small, cache=False)]))
    assert mixed.metainfo['skeleton_formats'] == ['ntu25', 'lcrnet13']
    assert len(mixed) == 30 + 6
    first, last = mixed[0], mixed[len(mixed) - 1]
    assert first['skeleton_format'] == 'ntu25'
    assert first['keypoint'].shape[2] == 25
    assert last['skeleton_format'] == 'lcrnet13'
    assert last['keypoint'].shape[2] == 13


def _draw(mixed, seed, epoch, **kwargs):
    sampler = MixedFormatSampler(mixed, seed=seed, **kwargs)
    sampler.set_epoch(epoch)
    return list(sampler)


def test_sampler_follows_weights_and_is_deterministic(tmp_path):
    big, small = _members(tmp_path)
    members = [SkeletonDataset(p, cache=False) for p in (big, small)]
    mixed = MixedFormatDataset(members, weights=[1, 3])
    draw = _draw(mixed, seed=0, epoch=0, num_samples=4000)
    share = np.mean(np.array(draw) >= 30)
    assert abs(share - 0.75) < 0.03
    assert draw == _draw(mixed, seed=0, epoch=0, num_samples=4000)
    assert draw != _draw(mixed, seed=0, epoch=1, num_samples=4000)
    # within a member, every sample is used before any repeats
    first = [i for i in draw[:200] if i < 30]
    assert len(set(first[:30])) == min(30, len(first))
    # no weights: a plain concatenation, proportional to size
    plain = MixedFormatDataset(members)
    share = np.mean(np.array(_draw(plain, 0, 0, num_samples=3600)) >= 30)
    assert abs(share - 6 / 36) < 0.03


def test_sampler_cycles_a_plain_dataset(tmp_path):
    """``num_samples`` sets the epoch length of a plain dataset; its
    samples come in random order, each once before any repeats."""
    big, _ = _members(tmp_path)
    plain = SkeletonDataset(big, cache=False)
    draw = _draw(plain, seed=0, epoch=0, num_samples=75)
    assert len(draw) == 75
    assert sorted(draw[:30]) == sorted(draw[30:60]) == list(range(30))
    assert len(set(draw[60:])) == 15
    assert draw[:30] != list(range(30))
    assert draw == _draw(plain, seed=0, epoch=0, num_samples=75)


def test_sampler_registered_and_ranks_partition(tmp_path, monkeypatch):
    big, small = _members(tmp_path)
    mixed = MixedFormatDataset(
        [SkeletonDataset(p, cache=False) for p in (big, small)],
        weights=[1, 1])
    sampler = DATA_SAMPLERS.build(
        dict(type='MixedFormatSampler', seed=5), default_args=dict(
            dataset=mixed))
    full = list(sampler)
    import mmengine.dataset.sampler as sampler_module
    parts = []
    for rank in range(2):
        monkeypatch.setattr(sampler_module, 'get_dist_info',
                            lambda rank=rank: (rank, 2))
        parts.append(_draw(mixed, seed=5, epoch=0))
    assert sorted(parts[0] + parts[1]) == sorted(full)
    assert len(parts[0]) == len(parts[1]) == 18
