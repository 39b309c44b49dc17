"""Loading and checking annotations, as a unit (the loader against damaged
bytes is fuzzed in test_fuzz_annotation.py)."""
import pickle

import numpy as np
import pytest
from skeleton_data import make_data, make_sample

from s2i_mm.fileio.annotation import (
    SkeletonDataError,
    check_labels,
    check_sample,
    load_annotation_file,
    resolve_format,
)


def test_load_accepts_the_schema_and_a_bare_list(tmp_path):
    data = make_data()
    path = tmp_path / 'a.pkl'
    path.write_bytes(pickle.dumps(data))
    loaded = load_annotation_file(str(path))
    assert loaded['split'] == data['split']
    assert len(loaded['annotations']) == 12
    path.write_bytes(pickle.dumps(data['annotations']))
    assert load_annotation_file(str(path))['split'] == {}


@pytest.mark.parametrize('content, message', [
    (dict(split={}), "expected a dict with keys 'split' and 'annotations'"),
    (dict(annotations='x'), "'annotations' must be a list"),
    (dict(annotations=[], split=dict(train='abc')), "'split' must map"),
])
def test_load_names_the_file_and_the_problem(tmp_path, content, message):
    path = tmp_path / 'bad.pkl'
    path.write_bytes(pickle.dumps(content))
    with pytest.raises(SkeletonDataError, match=message) as info:
        load_annotation_file(str(path))
    assert str(path) in str(info.value)


@pytest.mark.parametrize('change, message', [
    (dict(label=-1), 'label must be a non-negative integer'),
    (dict(label=True), 'label must be a non-negative integer'),
    (dict(frame_dir=3), 'frame_dir must be a string'),
    (dict(total_frames=5), 'total_frames is 5 but keypoint has 6 frames'),
    (dict(keypoint=np.zeros((1, 6, 24, 3))), '24 joints'),
    (dict(keypoint=np.zeros((1, 6, 25, 4))), '4 channels, expected 3'),
    (dict(keypoint=np.zeros((0, 6, 25, 3))), 'zero bodies or zero frames'),
    (dict(keypoint=np.zeros((1, 0, 25, 3))), 'zero bodies or zero frames'),
    (dict(keypoint=np.array([['a']])), 'array [M, T, V, C]'),
])
def test_check_sample_names_file_sample_and_problem(change, message):
    sample = dict(make_sample('s7', 1), **change)
    with pytest.raises(SkeletonDataError) as info:
        check_sample(sample, 7, 'f.pkl', 25, [3])
    assert str(info.value).startswith('f.pkl: sample 7 (')
    assert message in str(info.value)


def test_check_sample_finds_the_first_nan_and_returns_float32():
    sample = make_sample('s', 0)
    sample['keypoint'] = sample['keypoint'].astype(np.float64)
    assert check_sample(sample, 0, 'f', 25, [3]).dtype == np.float32
    sample['keypoint'][0, 2, 5, 1] = np.nan
    with pytest.raises(SkeletonDataError,
                       match='first at body 0, frame 2, joint 5'):
        check_sample(sample, 0, 'f', 25, [3])


def test_check_labels():
    records = [dict(frame_dir=n, label=lb)
               for n, lb in (('a', 0), ('b', 2), ('c', 1))]
    assert check_labels(records, None, 'f.pkl') == dict(a=0, b=2, c=1)
    assert check_labels(records, ['x', 'y', 'z'], 'f.pkl')['b'] == 2
    with pytest.raises(SkeletonDataError,
                       match=r"f.pkl: sample 1 \('b'\): label 2 but only 2"):
        check_labels(records, ['x', 'y'], 'f.pkl')
    records.append(dict(frame_dir='a', label=0))
    with pytest.raises(SkeletonDataError,
                       match="f.pkl: frame_dir 'a' names more than one"):
        check_labels(records, None, 'f.pkl')


def test_resolve_format():
    assert resolve_format('f', 'ntu25', None, 'h').name == 'ntu25'
    assert resolve_format('f', None, 'ntu25', 'h').name == 'ntu25'
    with pytest.raises(SkeletonDataError, match='f: .*pass --fmt'):
        resolve_format('f', None, None, '--fmt')
    with pytest.raises(SkeletonDataError, match="holds 'ntu25'"):
        resolve_format('f', 'kinect20', 'ntu25', 'h')
