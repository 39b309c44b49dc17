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


def _relabelled(data):
    """The same samples, every label moved to the next class: a file of
    the same size whose labels all differ."""
    return dict(data, annotations=[dict(a, label=(a['label'] + 1) % 3)
                                   for a in data['annotations']])


def _replace_keeping_size_and_mtime(path, blob, how):
    """Put ``blob`` at ``path`` as ``cp -p`` (rewritten in place, same
    inode) or ``rsync -a`` (a new file renamed over it) would, with the
    old modification time."""
    old = os.stat(path)
    assert len(blob) == old.st_size and path.read_bytes() != blob
    if how == 'cp -p':
        with open(path, 'r+b') as f:
            f.write(blob)
    else:
        tmp = path.with_name(f'.{path.name}.tmp')
        tmp.write_bytes(blob)
        os.replace(tmp, path)
    os.utime(path, ns=(old.st_atime_ns, old.st_mtime_ns))
    new = os.stat(path)
    assert (new.st_size, new.st_mtime_ns) == (old.st_size, old.st_mtime_ns)
    assert (new.st_ino == old.st_ino) == (how == 'cp -p')


@pytest.mark.parametrize('how', ['cp -p', 'rsync -a'])
@pytest.mark.parametrize('source_kind', ['pkl', 'store'])
def test_a_replaced_source_builds_a_new_cache(tmp_path, how, source_kind):
    """The docs' promise: replacing the source selects a new cache, also
    when the replacement has the same size and modification time."""
    from s2i_mm.datasets import SkeletonDataset
    from s2i_mm.fileio.store import write_store
    old, new = make_data(), _relabelled(make_data())
    if source_kind == 'pkl':
        source = tmp_path / 'set.pkl'
        source.write_bytes(pickle.dumps(old))
        replacements = {source: pickle.dumps(new)}
    else:  # a packed store: its label index replaced
        source = tmp_path / 'store'
        write_store(old, str(source))
        write_store(new, str(tmp_path / 'other'))
        replacements = {source / 'index.npz':
                        (tmp_path / 'other' / 'index.npz').read_bytes()}
    caches = tmp_path / 'caches'

    def labels():
        dataset = SkeletonDataset(str(source), skeleton_format='ntu25',
                                  cache_dir=str(caches))
        return [dataset.get_data_info(i)['label']
                for i in range(len(dataset))]

    assert labels() == [a['label'] for a in old['annotations']]
    for path, blob in replacements.items():
        _replace_keeping_size_and_mtime(path, blob, how)
    assert labels() == [a['label'] for a in new['annotations']]
    assert len(os.listdir(caches)) == 1  # the old cache was removed
