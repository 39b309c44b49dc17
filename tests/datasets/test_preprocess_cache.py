"""The preprocessed-data cache, as a unit: its key, its build-once
contract and the rank synchronisation around it (the dataset's use of it,
and two real ranks, are in test_skeleton_dataset.py)."""
import os
import pickle

import numpy as np
import pytest
from skeleton_data import make_data

import s2i_mm.datasets.preprocess_cache as module
from s2i_mm.datasets.preprocess import DEFAULT_PREPROCESS
from s2i_mm.datasets.preprocess_cache import (
    cache_path,
    find_cache,
    load_or_build_cache,
    rank_zero_first,
)
from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.formats import NTU25, SkeletonFormat, get_format


@pytest.fixture
def source(tmp_path):
    path = tmp_path / 'hand.pkl'
    path.write_bytes(pickle.dumps(make_data()))
    return str(path)


def test_key_follows_source_format_and_options(source, tmp_path):
    path = cache_path(source, NTU25, DEFAULT_PREPROCESS)
    assert os.path.dirname(path) == str(tmp_path / '.s2i_cache')
    assert os.path.basename(path).startswith('hand.pkl-')
    assert cache_path(source, NTU25, DEFAULT_PREPROCESS) == path
    assert cache_path(source, NTU25, None) != path
    assert cache_path(source, get_format('kinect20'),
                      DEFAULT_PREPROCESS) != path
    assert os.path.dirname(cache_path(
        source, NTU25, None, str(tmp_path / 'c'))) == str(tmp_path / 'c')
    # same name, another definition (a spec that reorders the S2I
    # columns): another cache; the description alone does not matter
    spec = dict(NTU25.to_dict(), s2i_order=list(range(25)))
    assert cache_path(source, SkeletonFormat(**spec),
                      DEFAULT_PREPROCESS) != path
    described = dict(NTU25.to_dict(), source='my notes')
    assert cache_path(source, SkeletonFormat(**described),
                      DEFAULT_PREPROCESS) == path
    os.utime(source, ns=(1, 1))  # the file changed
    assert cache_path(source, NTU25, DEFAULT_PREPROCESS) != path


def test_built_once_then_found(source, tmp_path):
    builds = []

    def build():
        builds.append(1)
        return make_data()

    assert find_cache(source, NTU25, None) is None
    store = load_or_build_cache(source, NTU25, None, build)
    again = load_or_build_cache(source, NTU25, None, build)
    assert builds == [1]
    assert again.path == store.path and len(again) == 12
    found = find_cache(source, NTU25, None)
    np.testing.assert_array_equal(found.keypoint(3),
                                  make_data()['annotations'][3]['keypoint'])
    assert found.skeleton_format == 'ntu25'
    # other options: another cache, built again
    load_or_build_cache(source, NTU25, DEFAULT_PREPROCESS, build)
    assert builds == [1, 1]
    assert len(os.listdir(tmp_path / '.s2i_cache')) == 2


def test_a_failing_build_leaves_no_cache(source, tmp_path):
    def build():
        raise SkeletonDataError('bad sample')

    with pytest.raises(SkeletonDataError, match='bad sample'):
        load_or_build_cache(source, NTU25, None, build)
    assert find_cache(source, NTU25, None) is None
    root = tmp_path / '.s2i_cache'
    assert not root.exists() or not os.listdir(root)


def _ranks(monkeypatch, rank, events):
    monkeypatch.setattr(module, 'is_distributed', lambda: True)
    monkeypatch.setattr(module, 'get_rank', lambda: rank)
    monkeypatch.setattr(module, 'barrier', lambda: events.append('barrier'))


@pytest.mark.parametrize('rank, order', [
    (0, ['block', 'barrier']),  # rank 0 first, then lets the others go
    (1, ['barrier', 'block']),  # the others wait for rank 0
])
def test_rank_zero_goes_first(monkeypatch, rank, order):
    events = []
    _ranks(monkeypatch, rank, events)
    with rank_zero_first():
        events.append('block')
    assert events == order
    events.clear()
    with rank_zero_first(enabled=False):
        events.append('block')
    assert events == ['block']


def test_rank_zero_releases_the_others_on_an_error(monkeypatch):
    """Otherwise the other ranks would wait at the barrier for ever."""
    events = []
    _ranks(monkeypatch, 0, events)
    with pytest.raises(SkeletonDataError):
        with rank_zero_first():
            raise SkeletonDataError('bad file')
    assert events == ['barrier']


def test_not_distributed_runs_the_block_without_barrier(monkeypatch):
    monkeypatch.setattr(module, 'barrier', lambda: pytest.fail('barrier'))
    ran = []
    with rank_zero_first():
        ran.append(1)
    assert ran == [1]
