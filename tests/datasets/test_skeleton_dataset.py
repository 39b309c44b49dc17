import json
import os
import pickle
import sys
import time

import numpy as np
import pytest
from skeleton_data import make_data, make_sample

from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio import SkeletonDataError, SkeletonStore
from s2i_mm.fileio.temp_files import STALE_AFTER_S, TEMP_PREFIX
from s2i_mm.registry import DATASETS

from s2i_testing import free_port, run_cmd, run_python


def _dump(data, path):
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return str(path)


def test_round_trip_unchanged(tmp_path):
    data = make_data()
    ann = _dump(data, tmp_path / 'hand.pkl')
    ds = SkeletonDataset(ann, split='val', preprocess=None, cache=False)
    assert len(ds) == len(data['split']['val'])
    originals = {a['frame_dir']: a for a in data['annotations']}
    for i in range(len(ds)):
        info = ds[i]
        ref = originals[info['frame_dir']]
        np.testing.assert_array_equal(info['keypoint'], ref['keypoint'])
        assert info['label'] == ref['label']
        assert info['total_frames'] == ref['total_frames']
        assert info['skeleton_format'] == 'ntu25'
        assert info['gt_label'] == ref['label']  # for mmpretrain packing
        assert info['modality'] == 'Pose'
    assert ds.num_classes == 3


def test_built_from_registry_with_class_names(tmp_path):
    data = make_data()
    data['classes'] = ['a', 'b', 'c']
    ann = _dump(data, tmp_path / 'hand.pkl')
    ds = DATASETS.build(dict(type='SkeletonDataset', ann_file=ann,
                             split='train', cache_dir=str(tmp_path / 'c')))
    assert ds.metainfo['classes'] == ('a', 'b', 'c')
    assert ds.num_classes == 3
    renamed = SkeletonDataset(ann, metainfo=dict(classes=['x', 'y', 'z']),
                              cache=False)
    assert renamed.metainfo['classes'] == ('x', 'y', 'z')


@pytest.mark.parametrize('cache', [False, True])
def test_max_persons_is_the_largest_sample_of_the_file(tmp_path, cache):
    data = make_data()
    # one val sample with a second (non-empty) body; every train sample
    # has one body (after dropping empty ones)
    two = data['split']['val'][0]
    for ann in data['annotations']:
        if ann['frame_dir'] == two:
            ann['keypoint'] = np.concatenate([ann['keypoint']] * 2)
    ann = _dump(data, tmp_path / 'hand.pkl')
    for split in ('train', 'val'):
        ds = SkeletonDataset(ann, split=split, cache=cache,
                             cache_dir=str(tmp_path / 'c'))
        assert ds.metainfo['max_persons'] == 2
        assert {ds[i]['max_persons'] for i in range(len(ds))} == {2}
    data['annotations'] = [a for a in data['annotations']
                           if a['frame_dir'] != two]
    data['split']['val'].remove(two)
    ann = _dump(data, tmp_path / 'single.pkl')
    ds = SkeletonDataset(ann, split='val', cache=cache,
                         cache_dir=str(tmp_path / 'c'))
    assert ds.metainfo['max_persons'] == 1


def test_preprocess_drops_empty_and_centres(tmp_path):
    sample = make_sample('s', 0, num_frames=5, bodies=2)
    sample['keypoint'][0, 2] = 0  # a missing frame
    data = dict(split={}, annotations=[sample], skeleton_format='ntu25')
    ann = _dump(data, tmp_path / 'one.pkl')
    ds = SkeletonDataset(ann, cache=False)
    kp = ds[0]['keypoint']
    assert kp.shape == (1, 4, 25, 3)  # empty body and frame dropped
    np.testing.assert_allclose(kp[0, 0, 20], 0, atol=1e-6)  # centre joint
    expected = sample['keypoint'][0, [0, 1, 3, 4]] - sample['keypoint'][0, 0,
                                                                        20]
    np.testing.assert_allclose(kp[0], expected, atol=1e-5)


def test_alignment_puts_shoulders_on_x(tmp_path):
    data = make_data(num_per_class=1, num_classes=1)
    ann = _dump(data, tmp_path / 'a.pkl')
    ds = SkeletonDataset(
        ann, cache=False,
        preprocess=dict(drop_empty=True, center=True, align=True))
    kp = ds[0]['keypoint']
    across = kp[0, 0, 4] - kp[0, 0, 8]  # left - right shoulder
    assert across[0] > 0 and abs(across[2]) < 1e-5


def test_cache_is_reused_and_invalidated(tmp_path):
    data = make_data()
    ann = _dump(data, tmp_path / 'hand.pkl')
    first = SkeletonDataset(ann, split='train')
    cache_root = tmp_path / '.s2i_cache'
    caches = os.listdir(cache_root)
    assert len(caches) == 1
    cache = cache_root / caches[0]
    stamp = os.stat(cache / 'keypoint.npy').st_mtime_ns
    again = SkeletonDataset(ann, split='train')
    assert os.stat(cache / 'keypoint.npy').st_mtime_ns == stamp
    np.testing.assert_array_equal(first[0]['keypoint'], again[0]['keypoint'])
    # editing the source selects a new cache and removes the stale one
    data['annotations'][0]['keypoint'] += 1
    os.utime(_dump(data, tmp_path / 'hand.pkl'), ns=(1, 1))
    edited = SkeletonDataset(ann, split='train')
    assert os.listdir(cache_root) != caches and len(os.listdir(
        cache_root)) == 1
    uncached = SkeletonDataset(ann, split='train', cache=False)
    np.testing.assert_array_equal(edited[0]['keypoint'],
                                  uncached[0]['keypoint'])


def test_cached_run_does_not_read_the_annotation_file(tmp_path,
                                                     monkeypatch):
    """With the format named in the config, a run whose cache exists
    never unpickles the (large) annotation file."""
    import s2i_mm.datasets.skeleton_dataset as module
    data = make_data()
    data['classes'] = [f'class {i}' for i in range(5)]
    ann = _dump(data, tmp_path / 'hand.pkl')
    first = SkeletonDataset(ann, split='train', skeleton_format='ntu25')

    def unreadable(path):
        raise AssertionError(f'{path} was read')

    monkeypatch.setattr(module, 'load_annotation_file', unreadable)
    again = SkeletonDataset(ann, split='train', skeleton_format='ntu25')
    assert [again.get_data_info(i)['frame_dir'] for i in range(len(again))
            ] == [first.get_data_info(i)['frame_dir']
                  for i in range(len(first))]
    assert again.class_names == first.class_names == tuple(data['classes'])
    np.testing.assert_array_equal(first[0]['keypoint'], again[0]['keypoint'])
    # another split of the same cache, and its semi-supervised subset
    for split in ('val', 'train_50pct'):
        assert len(SkeletonDataset(ann, split=split,
                                   skeleton_format='ntu25'))
    # without the format in the config the file says which it is
    with pytest.raises(AssertionError, match='was read'):
        SkeletonDataset(ann, split='train')
    monkeypatch.undo()
    # a format the file does not hold has no cache and is still refused
    with pytest.raises(SkeletonDataError, match="'ntu25' skeletons"):
        SkeletonDataset(ann, split='train', skeleton_format='kinect20')


_TWO_RANKS = """
import sys
import time
import torch.distributed as dist
import s2i_mm.datasets.preprocess_cache as cache
import s2i_mm.datasets.skeleton_dataset as module
dist.init_process_group('gloo')
calls = dict(read=0, wrote=0)
read, write = module.load_annotation_file, cache.write_store
def counted(name, fn):
    def call(*args, **kwargs):
        calls[name] += 1
        return fn(*args, **kwargs)
    return call
module.load_annotation_file = counted('read', read)
cache.write_store = counted('wrote', write)
dist.barrier()  # both ranks build the dataset at the same moment
dataset = module.SkeletonDataset(sys.argv[1], split='train',
                                 skeleton_format='ntu25')
print(f"rank {dist.get_rank()}: read {calls['read']} wrote "
      f"{calls['wrote']} samples {len(dataset)}", flush=True)
dist.barrier()
dist.destroy_process_group()
"""


@pytest.mark.e2e
def test_distributed_ranks_build_the_cache_once(tmp_path):
    """Rank 0 reads the file and writes the cache; the other ranks wait,
    then only map the cache (they never unpickle the file)."""
    ann = _dump(make_data(), tmp_path / 'hand.pkl')
    script = tmp_path / 'two_ranks.py'
    script.write_text(_TWO_RANKS)
    proc = run_cmd([sys.executable, '-m', 'torch.distributed.run',
                    '--nproc_per_node', '2', '--master_port',
                    str(free_port()), str(script), ann], timeout=120)
    assert 'rank 0: read 1 wrote 1 samples 6' in proc.stdout
    assert 'rank 1: read 0 wrote 0 samples 6' in proc.stdout


def test_cache_written_concurrently_by_another_process(tmp_path,
                                                       monkeypatch):
    """Ranks (or jobs) that load the same file at once race to write the
    cache: the loser uses the winner's store instead of failing."""
    import s2i_mm.datasets.preprocess_cache as module
    ann = _dump(make_data(), tmp_path / 'hand.pkl')
    real_write = module.write_store

    def lose_the_race(data, path, **kwargs):
        real_write(data, path, **kwargs)  # the other process finishes first
        real_write(data, path, **kwargs)  # ours: the path exists now

    monkeypatch.setattr(module, 'write_store', lose_the_race)
    dataset = SkeletonDataset(ann, split='train')
    monkeypatch.undo()
    uncached = SkeletonDataset(ann, split='train', cache=False)
    np.testing.assert_array_equal(dataset[0]['keypoint'],
                                  uncached[0]['keypoint'])


@pytest.mark.parametrize('break_it, message', [
    (lambda a: a['keypoint'].__setitem__((0, 1, 3, 0), np.nan), 'NaN'),
    (lambda a: a.update(keypoint=a['keypoint'][:, :, :20]), '20 joints'),
    (lambda a: a.update(keypoint=a['keypoint'][:, :0]), 'zero'),
    (lambda a: a.update(total_frames=99), 'total_frames'),
])
def test_bad_sample_named(tmp_path, break_it, message):
    data = make_data()
    break_it(data['annotations'][4])
    ann = _dump(data, tmp_path / 'bad.pkl')
    with pytest.raises(SkeletonDataError) as err:
        SkeletonDataset(ann, cache=False)
    assert 'bad.pkl' in str(err.value) and "'c1_0'" in str(err.value)
    assert message in str(err.value)
    assert not (tmp_path / '.s2i_cache').exists() or not os.listdir(
        tmp_path / '.s2i_cache')


def test_truncated_file_and_unknown_format(tmp_path):
    ann = _dump(make_data(), tmp_path / 'ok.pkl')
    payload = open(ann, 'rb').read()
    (tmp_path / 'cut.pkl').write_bytes(payload[:len(payload) // 2])
    with pytest.raises(SkeletonDataError, match='cut.pkl'):
        SkeletonDataset(str(tmp_path / 'cut.pkl'))
    with pytest.raises(SkeletonDataError, match='holds .ntu25.'):
        SkeletonDataset(ann, skeleton_format='kinect20')
    data = make_data(skeleton_format=None)
    bare = _dump(data, tmp_path / 'bare.pkl')
    with pytest.raises(SkeletonDataError, match='unknown skeleton format'):
        SkeletonDataset(bare, skeleton_format='no_such_layout')
    with pytest.raises(SkeletonDataError, match='pass skeleton_format'):
        SkeletonDataset(bare)


def test_unknown_split_lists_the_available_ones(tmp_path):
    ann = _dump(make_data(), tmp_path / 'a.pkl')
    with pytest.raises(KeyError, match='xsub_train'):
        SkeletonDataset(ann, split='nope', cache=False)


def test_duplicate_frame_dirs_and_empty_selections(tmp_path):
    data = make_data()
    data['annotations'][3]['frame_dir'] = data['annotations'][0]['frame_dir']
    ann = _dump(data, tmp_path / 'dupes.pkl')
    with pytest.raises(SkeletonDataError, match="dupes.pkl.*'c0_0'"):
        SkeletonDataset(ann, cache=False)
    data = make_data()
    data['split']['val'] = []
    ann = _dump(data, tmp_path / 'empty.pkl')
    for cache in (False, True):
        with pytest.raises(SkeletonDataError, match="split 'val'.*empty"):
            SkeletonDataset(ann, split='val', cache=cache)


def _cache_dir(tmp_path):
    (name, ) = os.listdir(tmp_path / '.s2i_cache')
    return tmp_path / '.s2i_cache' / name


def _rewrite(path, content):
    path.write_bytes(content(path.read_bytes()) if callable(content)
                     else content)


DAMAGE = {
    'truncated index.npz': ('index.npz', lambda b: b[:len(b) // 2]),
    '0-byte keypoint.npy': ('keypoint.npy', b''),
    'meta.json a list': ('meta.json', b'[1, 2]'),
    'meta.json without frame_dir': (
        'meta.json', lambda b: json.dumps(
            {k: v for k, v in json.loads(b).items()
             if k != 'frame_dir'}).encode()),
    'meta.json deleted': ('meta.json', None),
}


@pytest.mark.parametrize('damage', list(DAMAGE))
def test_damaged_cache_is_rebuilt(tmp_path, damage):
    ann = _dump(make_data(), tmp_path / 'hand.pkl')
    reference = SkeletonDataset(ann, split='val', cache=False)
    SkeletonDataset(ann, split='val')
    file, content = DAMAGE[damage]
    target = _cache_dir(tmp_path) / file
    if content is None:
        target.unlink()
    else:
        _rewrite(target, content)
    for skeleton_format in ('ntu25', None):  # with and without the fast path
        dataset = SkeletonDataset(ann, split='val',
                                  skeleton_format=skeleton_format)
        assert len(dataset) == len(reference)
        for i in range(len(reference)):
            np.testing.assert_array_equal(dataset[i]['keypoint'],
                                          reference[i]['keypoint'])
    assert SkeletonStore(str(_cache_dir(tmp_path))) is not None


@pytest.mark.parametrize('damage', list(DAMAGE))
def test_damaged_store_is_one_clear_error(tmp_path, damage):
    from s2i_mm.fileio import write_store
    store = tmp_path / 'store'
    write_store(make_data(), str(store))
    file, content = DAMAGE[damage]
    if content is None:
        (store / file).unlink()
    else:
        _rewrite(store / file, content)
    with pytest.raises(SkeletonDataError) as info:
        SkeletonDataset(str(store), split='val')
    assert str(store) in str(info.value)
    assert '--overwrite' not in str(info.value)


def test_no_writable_cache_folder_is_one_clear_error(tmp_path, monkeypatch):
    ann = _dump(make_data(), tmp_path / 'hand.pkl')
    (tmp_path / '.s2i_cache').write_text('a file, not a folder')
    blocked = tmp_path / 'a_file'
    blocked.write_text('')
    monkeypatch.setenv('S2I_MM_CACHE', str(blocked / 'cache'))
    with pytest.raises(SkeletonDataError) as info:
        SkeletonDataset(ann, split='val')
    message = str(info.value)
    assert str(tmp_path / '.s2i_cache') in message
    assert str(blocked / 'cache') in message
    assert 'cache_dir=' in message and 'cache=False' in message
    with pytest.raises(SkeletonDataError, match='a_file'):
        SkeletonDataset(ann, split='val', cache_dir=str(blocked / 'c'))
    assert len(SkeletonDataset(ann, split='val', cache=False))


@pytest.mark.e2e
def test_a_killed_cache_writer_leaves_nothing_the_next_run_keeps(tmp_path):
    """A run killed while writing its cache leaves a temporary folder; the
    next run never reads it as a cache, writes its own, and the first
    writer after the debris has gone stale removes it."""
    ann = _dump(make_data(), tmp_path / 'hand.pkl')
    run_python(f'''
import os, signal
import s2i_mm.fileio.store as store
def killed(path, *args, **kwargs):
    open(os.path.join(path, 'keypoint.npy'), 'wb').write(b'half')
    os.kill(os.getpid(), signal.SIGKILL)
store._fill_store = killed
from s2i_mm.datasets import SkeletonDataset
SkeletonDataset({ann!r})
''', check=False)
    cache = tmp_path / '.s2i_cache'
    (debris, ) = os.listdir(cache)
    assert debris.startswith(TEMP_PREFIX)
    assert len(SkeletonDataset(ann, split='val')) == 6
    (kept, ) = set(os.listdir(cache)) - {debris}
    assert not kept.startswith('.')
    assert debris in os.listdir(cache)  # young: maybe a live writer's
    day_ago = time.time() - STALE_AFTER_S - 60
    for entry in [cache / debris, *(cache / debris).iterdir()]:
        os.utime(entry, (day_ago, day_ago))
    other = _dump(make_data(), tmp_path / 'other.pkl')
    SkeletonDataset(other, split='val')
    assert debris not in os.listdir(cache)
    assert kept in os.listdir(cache)


def test_code_in_an_annotation_file_never_runs(tmp_path):
    flag = tmp_path / 'ran'

    class Payload:
        def __reduce__(self):
            return (os.system, (f'touch {flag}', ))

    data = make_data()
    data['annotations'][0]['label'] = Payload()
    ann = _dump(data, tmp_path / 'evil.pkl')
    with pytest.raises(SkeletonDataError) as info:
        SkeletonDataset(ann, cache=False)
    assert 'evil.pkl' in str(info.value)
    assert 'system' in str(info.value)
    assert not flag.exists()
