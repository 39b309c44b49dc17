import os
import os.path as osp
import pickle
import re
import sys

import numpy as np
import pytest
from raw_files import random_motion, write_lines, write_mocap_csv

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.generic import (
    convert_generic,
    read_csv_sequence,
    read_npy_sequence,
)
from s2i_mm.converters.labels import read_classes, read_labels
from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio.annotation import SkeletonDataError

from s2i_testing import REPO, run_cmd, run_tool

JOINTS = ('Hips', 'Head', 'LeftHand', 'RightHand', 'LeftFoot', 'RightFoot')
XYZ = ('x', 'y', 'z')
SPEC = """name: toy6
joint_names: [Hips, Head, LeftHand, RightHand, LeftFoot, RightFoot]
parents: [null, Hips, Hips, Hips, Hips, Hips]
parts: [torso, torso, left_arm, right_arm, left_leg, right_leg]
"""


def write_dataset(root, rng):
    """Two .npy files (one [T, V, C], one [M, T, V, C]) and two CSVs in
    nested folders; returns name -> keypoint [M, T, V, C]."""
    (root / 'seq' / 'walk').mkdir(parents=True)
    (root / 'seq' / 'run').mkdir()
    (root / 'toy6.yaml').write_text(SPEC)
    written = {}
    one = random_motion(rng, 5, 6)
    np.save(root / 'seq' / 'walk' / 'a_v01.npy', one)
    written['walk/a_v01'] = one[None]
    two = np.stack([random_motion(rng, 4, 6), random_motion(rng, 4, 6)])
    np.save(root / 'seq' / 'run' / 'b_v02.npy', two)
    written['run/b_v02'] = two
    for name in ('walk/c_v01', 'run/d_v03'):
        xyz = random_motion(rng, 7, 6)
        # columns in another order and a joint the format does not have
        write_mocap_csv(str(root / 'seq' / f'{name}.csv'),
                        JOINTS[::-1] + ('LeftToe', ), np.concatenate(
                            [xyz[:, ::-1], xyz[:, :1]], axis=1))
        written[name] = xyz[None]
    return written


def test_npy_and_csv_with_labels_splits_and_recorded_spec(tmp_path):
    written = write_dataset(tmp_path, np.random.default_rng(0))
    np.save(tmp_path / 'seq' / 'walk' / 'unlabelled.npy',
            random_motion(np.random.default_rng(1), 3, 6))
    labels = tmp_path / 'labels.csv'
    write_lines(str(labels), [
        'name,label,xsub,split', 'walk/a_v01,walk,train,',
        'run/b_v02,run,val,extra', 'walk/c_v01,walk,,extra',
        'run/d_v03,run,train,'])
    out = tmp_path / 'out.pkl'
    summary = convert_generic(
        str(tmp_path / 'seq'), str(out), str(tmp_path / 'toy6.yaml'),
        labels_file=str(labels),
        split_patterns=[('xview_train', re.compile('_v0[12]$')),
                        ('xview_val', re.compile('_v03$'))],
        store_dir=str(tmp_path / 'stores' / 'toy'))
    data = pickle.load(open(out, 'rb'))
    assert data['skeleton_format'] == 'toy6.yaml'  # relative to the pkl
    assert data['classes'] == ['run', 'walk']  # sorted class names
    anns = {a['frame_dir']: a for a in data['annotations']}
    assert set(anns) == set(written)
    for name, keypoint in written.items():
        np.testing.assert_allclose(anns[name]['keypoint'], keypoint,
                                   atol=1e-6)
        assert anns[name]['total_frames'] == keypoint.shape[1]
        assert anns[name]['label'] == (1 if name.startswith('walk') else 0)
    assert data['split'] == {
        'xsub_train': ['run/d_v03', 'walk/a_v01'],
        'xsub_val': ['run/b_v02'],
        'extra': ['run/b_v02', 'walk/c_v01'],
        'xview_train': ['run/b_v02', 'walk/a_v01', 'walk/c_v01'],
        'xview_val': ['run/d_v03']}
    assert summary['excluded'] == 1 and summary['inputs'] == 5
    # the store records where the spec is (rebased for the store's
    # folder): datasets find it
    store = SkeletonDataset(str(tmp_path / 'stores' / 'toy'), split='extra',
                            preprocess=None, cache=False)
    assert [s['frame_dir'] for s in store] == ['run/b_v02', 'walk/c_v01']
    assert store[0]['skeleton_format'] == 'toy6'


def test_missing_values_error_or_zero(tmp_path):
    xyz = random_motion(np.random.default_rng(2), 4, 6)
    xyz[2, 3, 1] = np.nan  # an occluded marker: RightHand.y, frame 2
    path = str(tmp_path / 'm.csv')
    write_mocap_csv(path, JOINTS, xyz)
    with pytest.raises(MalformedInputError) as info:
        read_csv_sequence(path, JOINTS, XYZ)
    assert str(info.value).startswith(f'{path}:4: column RightHand.y: '
                                      'missing value')
    keypoint = read_csv_sequence(path, JOINTS, XYZ, missing='zero')[0]
    np.testing.assert_array_equal(keypoint[2, 3], 0)  # the whole joint
    np.testing.assert_allclose(np.delete(keypoint, 3, axis=1),
                               np.delete(xyz, 3, axis=1), atol=1e-6)
    np.testing.assert_allclose(keypoint[[0, 1, 3], 3], xyz[[0, 1, 3], 3],
                               atol=1e-6)
    np.save(tmp_path / 'm.npy', xyz)
    with pytest.raises(MalformedInputError,
                       match=r'body 0, frame 2, joint 3 \(RightHand\): '
                       'missing'):
        read_npy_sequence(str(tmp_path / 'm.npy'), JOINTS, XYZ)
    zeroed = read_npy_sequence(str(tmp_path / 'm.npy'), JOINTS, XYZ, 'zero')
    np.testing.assert_allclose(zeroed[0], keypoint, atol=1e-6)
    np.testing.assert_array_equal(zeroed[0, 2, 3], 0)


def _header(joints=JOINTS):
    return ','.join(f'{j}.{c}' for j in joints for c in XYZ)


ROW = ','.join(['0.5'] * 18)


@pytest.mark.parametrize('lines,line,problem', [
    ([_header(JOINTS[:-1]) + ',frame', ROW[4:]], 1,
     'missing column(s) RightFoot.x, RightFoot.y, RightFoot.z'),
    ([_header() + ',Hips.x', ROW + ',1'], 1, "column 'Hips.x' appears"),
    ([_header(), ROW, ROW.replace('0.5', 'abc', 1)], 3,
     "column Hips.x: 'abc' is not a number"),
    ([_header(), ROW, ROW[:-4]], 3, '17 cells, the header has 18'),
    ([_header(), ROW, ROW[:-3] + 'inf'], 3,
     'column RightFoot.z: infinite value'),
    ([_header(), ROW.replace('0.5', 'NaN', 1)], 2,
     'column Hips.x: missing value'),
    ([_header(), ROW.replace('0.5', '1e39', 1)], 2,
     'column Hips.x: value beyond float32'),
    ([_header()], None, 'zero frames'),
    ([_header(), ROW.replace('0.5', '0')], None, 'all zero'),
    (['', ''], 1, 'no header row'),
])
def test_csv_errors_name_file_and_line(tmp_path, lines, line, problem):
    path = str(tmp_path / 'bad.csv')
    write_lines(path, lines)
    with pytest.raises(MalformedInputError) as info:
        read_csv_sequence(path, JOINTS, XYZ)
    where = path if line is None else f'{path}:{line}'
    assert str(info.value).startswith(f'{where}: ')
    assert problem in str(info.value)


def test_csv_columns_the_format_does_not_use_may_repeat(tmp_path):
    path = str(tmp_path / 'ok.csv')
    write_lines(path, [_header() + ',,,time,time', ROW + ',,,1,1',
                       ROW + ',,,1,x'])
    keypoint = read_csv_sequence(path, JOINTS, XYZ)
    np.testing.assert_array_equal(keypoint, np.full((1, 2, 6, 3), 0.5))


@pytest.mark.parametrize('write,problem', [
    (lambda p: open(p, 'wb').write(open(p, 'rb').read()[:100]),
     'not a readable .npy'),
    (lambda p: open(p, 'wb').write(b'\x93NUMPY garbage'),
     'not a readable .npy'),
    (lambda p: np.save(p, np.array([{'a': 1}]), allow_pickle=True),
     'Python objects'),
    (lambda p: np.save(p, np.zeros((3, 5, 3)) + 1), '5 joints x 3 channels'),
    (lambda p: np.save(p, np.ones((3, 6, 2))), '6 joints x 2 channels'),
    (lambda p: np.save(p, np.ones((6, 3))), 'expected [T, V, C]'),
    (lambda p: np.save(p, np.ones((0, 6, 3))), 'zero bodies or zero frames'),
    (lambda p: np.save(p, np.full((2, 6, 3), np.inf)), 'infinite'),
    (lambda p: np.save(p, np.ones((2, 6, 3), bool)), 'not a real number'),
])
def test_npy_errors(tmp_path, write, problem):
    path = str(tmp_path / 'bad.npy')
    np.save(path, np.ones((4, 6, 3), np.float32))
    write(path)
    with pytest.raises(MalformedInputError) as info:
        read_npy_sequence(path, JOINTS, XYZ)
    assert str(info.value).startswith(f'{path}: ')
    assert problem in str(info.value)


@pytest.mark.parametrize('rows,classes,line,problem', [
    (['name,lbl', 'a,0'], None, 1, 'must start with name,label'),
    (['name,label', 'a,0', 'b,1', 'a,1'], None, 4,
     "'a' is already labelled on line 2"),
    (['name,label', 'a,0', 'b,-1'], None, 3, 'label -1 is negative'),
    (['name,label', 'a,0', 'b,'], None, 3, 'empty label'),
    (['name,label', 'a,0', 'b,walk'], None, 3,
     "label 'walk' is a class name but line 2 has an index"),
    (['name,label', 'a,0', 'b,2'], ['walk', 'run'], 3,
     'label 2 but --classes names 2 classes'),
    (['name,label', 'a,jump'], ['walk', 'run'], 2,
     "label 'jump' is not a class of --classes"),
    (['name,label,xsub', 'a,0'], None, 2, '2 cells, the header has 3'),
    (['name,label,xsub,xsub', 'a,0,,'], None, 1, "column 'xsub'"),
    (['name,label'], None, None, 'no sample rows'),
])
def test_labels_file_errors(tmp_path, rows, classes, line, problem):
    path = str(tmp_path / 'labels.csv')
    write_lines(path, rows)
    with pytest.raises(MalformedInputError) as info:
        read_labels(path, classes)
    where = path if line is None else f'{path}:{line}'
    assert str(info.value).startswith(f'{where}: ')
    assert problem in str(info.value)


def test_labels_by_index_or_classes_file_and_unknown_names(tmp_path):
    classes = tmp_path / 'classes.txt'
    write_lines(str(classes), ['walk', 'run', '', 'jump'])
    assert read_classes(str(classes)) == ['walk', 'run', 'jump']
    path = str(tmp_path / 'labels.csv')
    write_lines(path, ['\ufeffname,label', 'a,run', 'b,2', '', 'c,walk'])
    table = read_labels(path, read_classes(str(classes)))
    assert table.labels == {'a': 1, 'b': 2, 'c': 0}
    assert table.classes == ['walk', 'run', 'jump']
    write_lines(path, ['name,label', 'a,3', 'b,0'])
    table = read_labels(path)
    assert table.labels == {'a': 3, 'b': 0} and table.classes is None
    with pytest.raises(MalformedInputError) as info:
        table.check_names(['a', 'c'])
    assert str(info.value).startswith(f'{path}:3: sample \'b\' has no input')


def test_run_level_errors(tmp_path):
    write_dataset(tmp_path, np.random.default_rng(3))
    np.save(tmp_path / 'seq' / 'walk' / 'c_v01.npy', np.ones((2, 6, 3)))
    with pytest.raises(SkeletonDataError, match='both sample .walk/c_v01'):
        convert_generic(str(tmp_path / 'seq'), str(tmp_path / 'o.pkl'),
                        str(tmp_path / 'toy6.yaml'))
    (tmp_path / 'seq' / 'walk' / 'c_v01.npy').unlink()
    labels = tmp_path / 'labels.csv'
    write_lines(str(labels), ['name,label,split', 'walk/a_v01,0,train'])
    with pytest.raises(SkeletonDataError, match=r"\['train'\] come both"):
        convert_generic(str(tmp_path / 'seq'), str(tmp_path / 'o.pkl'),
                        str(tmp_path / 'toy6.yaml'), labels_file=str(labels),
                        split_patterns=[('train', re.compile('a'))])
    with pytest.raises(SkeletonDataError, match="--format 'nope'"):
        convert_generic(str(tmp_path / 'seq'), str(tmp_path / 'o.pkl'),
                        'nope')
    assert not osp.exists(tmp_path / 'o.pkl')


def test_cli_bad_file_stops_or_is_skipped(tmp_path):
    write_dataset(tmp_path, np.random.default_rng(4))
    bad = tmp_path / 'seq' / 'run' / 'd_v03.csv'
    lines = bad.read_text().splitlines()
    lines[3] = lines[3].replace('.', 'x', 3)  # a garbled 3rd frame
    bad.write_text('\n'.join(lines) + '\n')
    out = tmp_path / 'out' / 'o.pkl'
    tool = osp.join(REPO, 'tools', 'data', 'convert_generic.py')
    cmd = [tool, tmp_path / 'seq', out, '--format', tmp_path / 'toy6.yaml',
           '--num-workers', '2']
    proc = run_tool(*cmd, check=False)
    assert proc.returncode == 1
    assert re.search(rf'^error: {re.escape(str(bad))}:4: column \S+: '
                     "'\\S+' is not a number$", proc.stderr, re.M)
    assert not out.exists()
    proc = run_tool(*cmd, '--skip-bad', '--split-pattern', 'v1=_v01$')
    assert '3 samples from 4 input files; 1 bad files skipped' in proc.stdout
    assert 'split v1: 2' in proc.stdout
    data = pickle.load(open(out, 'rb'))
    assert [a['label'] for a in data['annotations']] == [0, 0, 0]
    assert 'classes' not in data


@pytest.mark.e2e
def test_cli_format_name_a_plugin_module_registers(tmp_path):
    """--format NAME of a plugin: --custom-imports imports its module."""
    write_dataset(tmp_path, np.random.default_rng(5))
    (tmp_path / 'toy6_plugin.py').write_text(
        'from s2i_mm.formats import load_format_spec\n'
        f'load_format_spec({str(tmp_path / "toy6.yaml")!r})\n')
    out = tmp_path / 'o.pkl'
    tool = osp.join(REPO, 'tools', 'data', 'convert_generic.py')
    cmd = [sys.executable, tool, str(tmp_path / 'seq'), str(out),
           '--format', 'toy6', '--num-workers', '1']
    env = dict(PYTHONPATH=os.pathsep.join([str(tmp_path), REPO]))
    proc = run_cmd(cmd, env=env, check=False)
    assert proc.returncode == 1 and not out.exists()
    assert "unknown skeleton format 'toy6'" in proc.stderr
    assert '--custom-imports' in proc.stderr
    run_cmd(cmd + ['--custom-imports', 'toy6_plugin'], env=env)
    assert pickle.load(open(out, 'rb'))['skeleton_format'] == 'toy6'


def test_a_store_written_into_the_input_is_no_input(tmp_path):
    written = write_dataset(tmp_path, np.random.default_rng(6))
    args = (str(tmp_path / 'seq'), str(tmp_path / 'o.pkl'),
            str(tmp_path / 'toy6.yaml'))
    store = str(tmp_path / 'seq' / 'packed')
    for _ in range(2):  # the second run finds the first run's store
        summary = convert_generic(*args, store_dir=store)
        assert summary['inputs'] == len(written) == summary['samples']
