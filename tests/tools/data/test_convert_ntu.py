import os
import os.path as osp
import pickle

import numpy as np
import pytest
from raw_files import (
    ntu_body_lines,
    random_motion,
    write_lines,
    write_ntu_skeleton,
)

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.ntu import (
    DATA_DIR,
    convert_ntu,
    load_missing_list,
    ntu_splits,
    parse_ntu_file,
    read_skeleton_file,
)
from s2i_mm.converters.pipeline import parse_inputs

from s2i_testing import REPO, run_tool

# The published protocols, typed here independently of the module.
XSUB60 = {1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34,
          35, 38}
XSUB120 = XSUB60 | {45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70,
                    74, 78, 80, 81, 82, 83, 84, 85, 86, 89, 91, 92, 93, 94,
                    95, 97, 98, 100, 103}


def name(setup, camera, performer, replication, action):
    return (f'S{setup:03d}C{camera:03d}P{performer:03d}R{replication:03d}'
            f'A{action:03d}')


def one_body_file(path, rng, num_frames=3):
    body = random_motion(rng, num_frames, 25)
    write_ntu_skeleton(path, [[b] for b in body])
    return body


def test_read_round_trip_and_body_slots(tmp_path):
    rng = np.random.default_rng(0)
    a, b = random_motion(rng, 4, 25), random_motion(rng, 4, 25)
    # body b only in frames 1 and 3, listed second
    frames = [[a[t]] + ([b[t]] if t % 2 else []) for t in range(4)]
    path = str(tmp_path / 'S001C001P001R001A001.skeleton')
    write_ntu_skeleton(path, frames)
    data = read_skeleton_file(path)
    assert data.shape == (2, 4, 25, 3) and data.dtype == np.float32
    np.testing.assert_allclose(data[0], a, atol=1e-6)
    np.testing.assert_allclose(data[1, 1::2], b[1::2], atol=1e-6)
    assert not data[1, 0::2].any()


def test_keeps_two_most_energetic_bodies(tmp_path):
    rng = np.random.default_rng(1)
    still = np.ones((6, 25, 3), np.float32)  # present but never moves
    calm = random_motion(rng, 6, 25, scale=0.01)
    wild = random_motion(rng, 6, 25, scale=1.0)
    path = str(tmp_path / 'S002C003P004R001A050.skeleton')
    write_ntu_skeleton(path, [[still[t], calm[t], wild[t]] for t in range(6)])
    (ann, ) = parse_ntu_file(path, benchmark='ntu60')
    assert ann['frame_dir'] == 'S002C003P004R001A050'
    assert ann['label'] == 49 and ann['total_frames'] == 6
    np.testing.assert_allclose(ann['keypoint'][0], wild, atol=1e-6)
    np.testing.assert_allclose(ann['keypoint'][1], calm, atol=1e-6)


def test_all_zero_body_is_dropped(tmp_path):
    rng = np.random.default_rng(2)
    body = random_motion(rng, 3, 25)
    zero = np.zeros((25, 3), np.float32)
    path = str(tmp_path / 'S001C001P001R001A001.skeleton')
    write_ntu_skeleton(path, [[zero, body[t]] for t in range(3)])
    (ann, ) = parse_ntu_file(path)
    assert ann['keypoint'].shape == (1, 3, 25, 3)


def malformed_cases(rng):
    """name -> (lines of the file, expected line number, message part)."""
    body = random_motion(rng, 2, 25)
    good = ['2'] + ['1'] + ntu_body_lines(body[0]) + ['1'] + \
        ntu_body_lines(body[1])
    # line numbers: 1 frame count, 2 body count, 3 info, 4 joint count,
    # 5..29 joints of frame 1, 30 body count, 31 info, 32 count, 33..57
    # joints of frame 2
    wrong_count = list(good)
    wrong_count[3] = '24'
    nan = list(good)
    nan[10] = nan[10].replace(nan[10].split()[1], 'nan', 1)
    garbled = list(good)
    garbled[40] = 'x' + garbled[40][1:]
    short = list(good)
    short[20] = ' '.join(short[20].split()[:11])
    return {
        'truncated': (good[:45], 46, 'truncated'),
        'wrong joint count': (wrong_count, 4, 'wrong joint count 24'),
        'nan': (nan, 11, 'NaN'),
        'garbled': (garbled, 41, 'non-number'),
        'short line': (short, 21, 'has 11 values'),
        'zero frames': (['0'], 1, 'zero frames'),
        'trailing garbage': (good + ['', '2 3'], 59, 'after the last'),
        'no body': (['2', '0', '0'], None, 'no body'),
        # found by the fuzz suite: int() refuses more than 4300 digits
        'huge count': (['9' * 5000], 1, 'non-negative integer'),
    }


@pytest.mark.parametrize('case', list(malformed_cases(
    np.random.default_rng(3))))
def test_malformed_file_names_file_and_line(tmp_path, case):
    lines, line, problem = malformed_cases(np.random.default_rng(3))[case]
    path = str(tmp_path / 'S001C001P001R001A001.skeleton')
    write_lines(path, lines)
    with pytest.raises(MalformedInputError) as info:
        read_skeleton_file(path)
    err = info.value
    assert err.path == path and err.line == line
    assert problem in str(err)
    assert str(err).startswith(path if line is None else f'{path}:{line}:')


def test_bad_name_and_wrong_benchmark(tmp_path):
    rng = np.random.default_rng(4)
    path = str(tmp_path / 'take1.skeleton')
    one_body_file(path, rng)
    with pytest.raises(MalformedInputError, match='SsssCccc'):
        parse_ntu_file(path)
    path = str(tmp_path / f'{name(18, 1, 1, 1, 61)}.skeleton')
    one_body_file(path, rng)
    with pytest.raises(MalformedInputError, match='not part of ntu60'):
        parse_ntu_file(path, benchmark='ntu60')


def test_split_membership_follows_published_lists(tmp_path):
    rng = np.random.default_rng(5)
    names60 = [name(s, c, p, 1, a) for s, c, p, a in (
        (1, 1, 1, 1), (1, 2, 3, 2), (2, 3, 38, 3), (5, 1, 40, 4),
        (17, 2, 25, 60), (3, 3, 6, 7))]
    for n in names60:
        one_body_file(str(tmp_path / f'{n}.skeleton'), rng)
    out = str(tmp_path / 'ntu60.pkl')
    convert_ntu(str(tmp_path), out, missing_list='')
    data = pickle.load(open(out, 'rb'))
    split = data['split']
    assert set(split) == {'xsub_train', 'xsub_val', 'xview_train',
                          'xview_val'}
    perf = {n: int(n[9:12]) for n in names60}
    cam = {n: int(n[5:8]) for n in names60}
    assert set(split['xsub_train']) == {n for n in names60
                                        if perf[n] in XSUB60}
    assert set(split['xsub_val']) == {n for n in names60
                                      if perf[n] not in XSUB60}
    assert set(split['xview_train']) == {n for n in names60
                                         if cam[n] in (2, 3)}
    assert set(split['xview_val']) == {n for n in names60 if cam[n] == 1}
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    assert labels == {n: int(n[-3:]) - 1 for n in names60}
    assert data['skeleton_format'] == 'ntu25'

    names120 = names60 + [name(18, 1, 45, 1, 61), name(19, 2, 44, 2, 120),
                          name(32, 3, 103, 1, 90)]
    splits = ntu_splits(names120, 'ntu120')
    assert set(splits) == {'xsub_train', 'xsub_val', 'xset_train',
                           'xset_val'}
    assert set(splits['xsub_train']) == {
        n for n in names120 if int(n[9:12]) in XSUB120}
    assert set(splits['xset_train']) == {
        n for n in names120 if int(n[1:4]) % 2 == 0}
    assert set(splits['xset_val']) == {
        n for n in names120 if int(n[1:4]) % 2 == 1}


def test_shipped_missing_lists():
    ntu60 = load_missing_list(
        osp.join(DATA_DIR, 'NTU_RGBD_samples_with_missing_skeletons.txt'))
    ntu120 = load_missing_list(
        osp.join(DATA_DIR, 'NTU_RGBD120_samples_with_missing_skeletons.txt'))
    assert len(ntu60) == 302 and len(ntu120) == 535
    assert ntu60 < ntu120
    assert 'S001C002P005R002A008' in ntu60
    assert 'S032C003P067R002A077' in ntu120


def test_missing_samples_are_excluded_and_benchmark_inferred(tmp_path):
    rng = np.random.default_rng(6)
    listed = 'S019C001P046R001A075'  # only in the NTU-120 list
    for n in (listed, name(18, 1, 45, 1, 61), name(1, 1, 1, 1, 1)):
        one_body_file(str(tmp_path / f'{n}.skeleton'), rng)
    out = str(tmp_path / 'out.pkl')
    summary = convert_ntu(str(tmp_path), out)
    assert summary['excluded'] == 1 and summary['samples'] == 2
    data = pickle.load(open(out, 'rb'))
    assert listed not in {a['frame_dir'] for a in data['annotations']}
    assert 'xset_train' in data['split']  # inferred ntu120


def test_pool_gives_same_output_and_first_error(tmp_path):
    rng = np.random.default_rng(7)
    paths = []
    for i in range(8):
        path = str(tmp_path / f'{name(1, 1, 1, 1, i + 1)}.skeleton')
        one_body_file(path, rng)
        paths.append(path)
    serial, _ = parse_inputs(parse_ntu_file, paths, num_workers=1)
    pooled, _ = parse_inputs(parse_ntu_file, paths, num_workers=2)
    assert [a['frame_dir'] for a in serial] == [a['frame_dir']
                                                for a in pooled]
    for a, b in zip(serial, pooled):
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    for i in (2, 6):  # two bad files: the error is always the first one
        write_lines(paths[i], ['3', '1'])
    for workers in (1, 2):
        with pytest.raises(MalformedInputError) as info:
            parse_inputs(parse_ntu_file, paths, num_workers=workers)
        assert info.value.path == paths[2]
    kept, bad = parse_inputs(parse_ntu_file, paths, num_workers=2,
                             skip_bad=True)
    assert len(kept) == 6 and [e.path for e in bad] == [paths[2], paths[6]]


def leftovers(directory):
    return sorted(f for f in os.listdir(directory) if f.startswith('.'))


def test_cli_bad_file_leaves_nothing_and_skip_bad_counts(tmp_path):
    rng = np.random.default_rng(8)
    raw = tmp_path / 'raw'
    raw.mkdir()
    for i in range(5):
        one_body_file(str(raw / f'{name(1, 2, 1, 1, i + 1)}.skeleton'), rng)
    bad = str(raw / f'{name(1, 1, 2, 1, 9)}.skeleton')
    write_lines(bad, ['4', '1', '1 2 3'])  # truncated in the first body
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    out = str(out_dir / 'ntu.pkl')
    tool = osp.join(REPO, 'tools', 'data', 'convert_ntu.py')
    proc = run_tool(tool, str(raw), out, '--num-workers',
                    '2', check=False)
    assert proc.returncode == 1
    assert f'error: {bad}:3: body info line has 3 values' in proc.stderr
    assert os.listdir(out_dir) == []

    store = str(out_dir / 'store')
    proc = run_tool(tool, str(raw), out, '--num-workers',
                    '2', '--skip-bad', '--store', store)
    assert '5 samples from 6 input files; 1 bad files skipped' in proc.stdout
    assert bad in proc.stdout + proc.stderr
    data = pickle.load(open(out, 'rb'))
    assert len(data['annotations']) == 5
    assert sorted(os.listdir(out_dir)) == ['ntu.pkl', 'store']
    from s2i_mm.fileio.store import SkeletonStore
    assert len(SkeletonStore(store)) == 5


def test_each_joint_line_is_counted(tmp_path):
    """11 values on one joint line and 13 on the next add up to 24: the
    per-line count catches it (the total alone would shift joint 0 into
    (y, z, colorX))."""
    rng = np.random.default_rng(9)
    lines = ['1', '1'] + ntu_body_lines(random_motion(rng, 1, 25)[0])
    fields = lines[4].split()
    lines[4] = ' '.join(fields[1:])            # joint 1: 11 values
    lines[5] = f'{fields[0]} {lines[5]}'       # joint 2: 13 values
    path = str(tmp_path / 'S001C001P001R001A001.skeleton')
    write_lines(path, lines)
    with pytest.raises(MalformedInputError) as info:
        read_skeleton_file(path)
    assert info.value.line == 5 and 'has 11 values' in str(info.value)


def test_duplicate_sample_names_are_one_error_before_parsing(tmp_path):
    rng = np.random.default_rng(10)
    raw = tmp_path / 'raw'
    for part in ('a', 'b'):
        (raw / part).mkdir(parents=True)
        one_body_file(str(raw / part / f'{name(1, 1, 1, 1, 1)}.skeleton'),
                      rng)
    os.mkfifo(raw / 'a' / f'{name(1, 1, 0, 1, 1)}.skeleton')  # would hang
    tool = osp.join(REPO, 'tools', 'data', 'convert_ntu.py')
    out = tmp_path / 'out.pkl'
    proc = run_tool(tool, str(raw), str(out), '--skip-bad',
                    '--num-workers', '1', check=False)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    (line, ) = [x for x in proc.stderr.splitlines() if x.startswith('error')]
    assert 'S001C001P001R001A001' in line
    assert str(raw / 'a') in line and str(raw / 'b') in line
    assert not out.exists()


@pytest.mark.parametrize('value', ['0', '-1'])
def test_max_bodies_must_be_positive(tmp_path, value):
    one_body_file(str(tmp_path / f'{name(1, 1, 1, 1, 1)}.skeleton'),
                  np.random.default_rng(11))
    tool = osp.join(REPO, 'tools', 'data', 'convert_ntu.py')
    proc = run_tool(tool, str(tmp_path),
                    str(tmp_path / 'o.pkl'), '--max-bodies', value,
                   check=False)
    assert proc.returncode == 2 and '--max-bodies' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not (tmp_path / 'o.pkl').exists()
    with pytest.raises(ValueError, match='max_bodies'):
        convert_ntu(str(tmp_path), str(tmp_path / 'o.pkl'),
                    max_bodies=int(value))


def test_a_file_whose_bodies_are_all_zero_is_bad(tmp_path):
    zero = np.zeros((25, 3), np.float32)
    path = str(tmp_path / f'{name(1, 1, 1, 1, 1)}.skeleton')
    write_ntu_skeleton(path, [[zero], [zero]])
    with pytest.raises(MalformedInputError, match='no body'):
        parse_inputs(parse_ntu_file, [path])
