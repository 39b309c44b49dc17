import os
import pickle

import numpy as np
import pytest
from skeleton_data import make_data

from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio import SkeletonDataError, SkeletonStore, write_store

from s2i_testing import run_tool

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(__file__)))
PACK = os.path.join(ROOT, 'tools', 'data', 'pack.py')


def _pack(*args):
    return run_tool(PACK, *args, check=False)


def test_store_round_trip(tmp_path):
    data = make_data()
    data['classes'] = ['a', 'b', 'c']
    write_store(data, str(tmp_path / 'store'))
    store = SkeletonStore(str(tmp_path / 'store'))
    assert isinstance(store.keypoint_array, np.memmap)
    assert store.classes == ['a', 'b', 'c'] and store.split == data['split']
    for i, ann in enumerate(data['annotations']):
        got = store.annotation(i)
        np.testing.assert_array_equal(got['keypoint'], ann['keypoint'])
        assert got['frame_dir'] == ann['frame_dir']
        assert got['label'] == ann['label']
    # no pickle: every file loads without allow_pickle
    assert sorted(os.listdir(tmp_path / 'store')) == [
        '.s2i_store', 'index.npz', 'keypoint.npy', 'meta.json']
    # a store is not pickled with its memory map (spawned workers remap)
    clone = pickle.loads(pickle.dumps(store))
    assert clone._keypoint is None
    np.testing.assert_array_equal(clone.keypoint(3),
                                  data['annotations'][3]['keypoint'])


def test_pack_tool_and_dataset_read_store_like_pkl(tmp_path):
    data = make_data()
    ann = tmp_path / 'hand.pkl'
    ann.write_bytes(pickle.dumps(data))
    result = _pack(ann, tmp_path / 'packed', '--preprocess')
    assert result.returncode == 0, result.stderr
    from_store = SkeletonDataset(str(tmp_path / 'packed'), split='val')
    from_pkl = SkeletonDataset(str(ann), split='val', cache=False)
    assert from_store._store.path == str(tmp_path / 'packed')  # no cache
    assert not (tmp_path / '.s2i_cache').exists()
    assert len(from_store) == len(from_pkl)
    for i in range(len(from_pkl)):
        a, b = from_store[i], from_pkl[i]
        assert a['frame_dir'] == b['frame_dir']
        np.testing.assert_allclose(a['keypoint'], b['keypoint'], atol=1e-6)
    # a second pack to the same place refuses and leaves the store intact
    again = _pack(ann, tmp_path / 'packed')
    assert again.returncode == 1 and 'exists' in again.stderr


def test_pack_bad_input_leaves_nothing(tmp_path):
    data = make_data()
    data['annotations'][5]['keypoint'][0, 0, 0, 0] = np.nan
    ann = tmp_path / 'bad.pkl'
    ann.write_bytes(pickle.dumps(data))
    result = _pack(ann, tmp_path / 'packed')
    assert result.returncode == 1
    assert 'bad.pkl' in result.stderr and "'c1_1'" in result.stderr
    assert os.listdir(tmp_path) == ['bad.pkl']


def test_truncated_store_is_reported(tmp_path):
    write_store(make_data(), str(tmp_path / 's'))
    keypoint = tmp_path / 's' / 'keypoint.npy'
    np.save(keypoint, np.load(keypoint)[:3])
    with pytest.raises(SkeletonDataError, match='disagree'):
        SkeletonStore(str(tmp_path / 's'))


def test_pack_refuses_an_unwritable_output_before_loading(tmp_path):
    """The input is a FIFO nobody writes: loading it would hang."""
    os.mkfifo(tmp_path / 'in.pkl')
    (tmp_path / 'a_file').write_text('')
    ann = tmp_path / 'real.pkl'
    ann.write_bytes(pickle.dumps(make_data()))
    for source in ('in.pkl', 'real.pkl'):
        result = _pack(tmp_path / source, tmp_path / 'a_file' / 'store')
        assert result.returncode == 1 and 'Traceback' not in result.stderr
        (line, ) = [x for x in result.stderr.splitlines()
                    if x.startswith('error:')]
        assert 'a_file is not a directory' in line
