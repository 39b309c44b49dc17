"""MSR-Action3D converter on tiny raw folders written in the published
format (``*_skeleton3D.txt`` text files, the list of used files,
``action_names.mat``), converted through the command line."""
import os
import os.path as osp
import pickle

import numpy as np
import pytest
from raw_files import (
    mat_cell,
    random_motion,
    write_lines,
    write_mat,
    write_msr_skeleton,
)

from s2i_mm.converters.readers import read_raw_clip
from s2i_mm.formats import get_format

from s2i_testing import load_script, run_tool

TOOL = osp.join('tools', 'data', 'convert_msr_action3d.py')
#: the joint order of the dataset's README (body_model.mat), 1-based
README_JOINTS = {
    1: 'left_shoulder', 2: 'right_shoulder', 3: 'shoulder_center',
    4: 'spine', 5: 'left_hip', 6: 'right_hip', 7: 'hip_center',
    8: 'left_elbow', 9: 'right_elbow', 10: 'left_wrist', 11: 'right_wrist',
    12: 'left_hand', 13: 'right_hand', 14: 'left_knee', 15: 'right_knee',
    16: 'left_ankle', 17: 'right_ankle', 18: 'left_foot', 19: 'right_foot',
    20: 'head'}
#: made-up names: the converter must take them from action_names.mat
CLASS_NAMES = [f'msr action {i}' for i in range(1, 21)]
#: (action, subject, episode) of the listed sequences; every split is hit
LISTED = [(1, 1, 1), (2, 2, 1), (20, 9, 3), (5, 10, 2), (3, 7, 2),
          (7, 3, 1), (12, 5, 3), (4, 4, 2)]


def seq_name(action, subject, episode):
    return f'a{action:02d}_s{subject:02d}_e{episode:02d}'


def make_root(root, listed=LISTED, unlisted=((6, 6, 1), ), seed=0):
    """An ``msr/`` folder: the text files of ``listed`` and ``unlisted``
    sequences (all-zero frames at the start, inside and at the end), the
    list of ``listed`` and ``action_names.mat``. Returns name -> the
    written frames ``[T, 20, 3]`` (zero frames included)."""
    rng = np.random.default_rng(seed)
    skeleton_dir = osp.join(root, 'real_world_coordinates')
    os.makedirs(skeleton_dir, exist_ok=True)
    written = {}
    for fields in list(listed) + list(unlisted):
        frames = random_motion(rng, 7, 20, offset=1.0).astype(np.float64)
        frames[[0, 3, 6]] = 0
        name = seq_name(*fields)
        write_msr_skeleton(osp.join(skeleton_dir, f'{name}_skeleton3D.txt'),
                           frames)
        written[name] = frames
    write_lines(osp.join(skeleton_dir, 'files_used_in_cvpr12_paper.txt'),
                [seq_name(*f) for f in listed])
    write_mat(osp.join(root, 'action_names.mat'),
              action_names=mat_cell(CLASS_NAMES))
    return written


def skeleton_file(root, name):
    return osp.join(root, 'real_world_coordinates', f'{name}_skeleton3D.txt')


def convert(capsys, *args):
    """Run the tool's ``main`` in this process: (status, stdout, stderr)."""
    status = load_script(TOOL).main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def text_value(value):
    """A coordinate as the file holds it (6 decimals), read as float32."""
    return np.float32(float(f'{value:.6f}'))


def test_cli_labels_classes_splits_and_zero_frames_dropped(tmp_path):
    root = tmp_path / 'msr'
    written = make_root(str(root))
    out = tmp_path / 'out' / 'msr.pkl'
    proc = run_tool(TOOL, str(root), str(out),
                    '--num-workers', '2')
    assert ('8 samples from 9 input files; 0 bad files skipped; 1 files '
            'excluded') in proc.stdout
    data = pickle.load(open(out, 'rb'))
    assert data['skeleton_format'] == 'msr20'
    assert data['classes'] == CLASS_NAMES
    names = [seq_name(*f) for f in LISTED]
    assert [a['frame_dir'] for a in data['annotations']] == names
    for ann, (action, _, _) in zip(data['annotations'], LISTED):
        assert ann['label'] == action - 1
        frames = written[ann['frame_dir']]
        kept = frames[[1, 2, 4, 5]]  # the all-zero frames 0, 3, 6 dropped
        assert ann['keypoint'].shape == (1, 4, 20, 3)
        assert ann['total_frames'] == 4
        np.testing.assert_array_equal(ann['keypoint'][0],
                                      np.vectorize(text_value)(kept))
    subject = {seq_name(*f): f[1] for f in LISTED}

    def members(subjects):
        return {n for n in names if subject[n] in subjects}

    assert {k: set(v) for k, v in data['split'].items()} == {
        'xsub_train': members({1, 3, 5, 7, 9}),
        'xsub_val': members({2, 4, 6, 8, 10}),
        'xsub_dev_train': members({1, 3, 5, 7}),
        'xsub_dev_val': members({9}),
    }


def test_a_value_at_raw_joint_k_lands_at_the_joint_the_readme_names(
        tmp_path, capsys):
    root = str(tmp_path / 'msr')
    make_root(root, listed=[(1, 1, 1)], unlisted=())
    frames = np.zeros((2, 20, 3))
    for k in range(20):  # joint k (0-based) holds k + 1, 10 (k + 1), ...
        frames[:, k] = [k + 1, 10 * (k + 1), 100 * (k + 1)]
    frames[1] += 0.5
    write_msr_skeleton(skeleton_file(root, 'a01_s01_e01'), frames)
    out = tmp_path / 'msr.pkl'
    assert convert(capsys, root, out, '--num-workers', '1')[0] == 0
    keypoint = pickle.load(open(out, 'rb'))['annotations'][0]['keypoint']
    fmt = get_format('msr20')
    for number, joint in README_JOINTS.items():
        np.testing.assert_array_equal(
            keypoint[0, :, fmt.index(joint)], frames[:, number - 1],
            err_msg=f'README joint {number} ({joint})')


def test_raw_clip_reader(tmp_path):
    path = str(tmp_path / 'a01_s01_e01_skeleton3D.txt')
    frames = np.zeros((3, 20, 3))
    frames[1] = np.arange(60).reshape(20, 3) + 1
    write_msr_skeleton(path, frames)
    keypoint, fmt = read_raw_clip(path)
    assert fmt == 'msr20'
    np.testing.assert_array_equal(keypoint, frames[None, 1:2])


def good_lines():
    frames = random_motion(np.random.default_rng(3), 3, 20, offset=1.0)
    return [f'{x:.6f} {y:.6f} {z:.6f} 1.000000'
            for x, y, z in frames.reshape(-1, 3)]


def _edit(lines, index, text):
    lines = list(lines)
    lines[index] = text
    return lines


#: name -> (lines of a damaged file, expected line or None, problem)
MALFORMED = {
    'truncated': (lambda ls: ls[:-7], 53, 'not whole frames of 20'),
    'three values': (lambda ls: _edit(ls, 24, '0.1 0.2 0.3'), 25,
                     'has 3 values, expected 4'),
    'five values': (lambda ls: _edit(ls, 2, ls[2] + ' 7'), 3,
                    'has 5 values'),
    'nan': (lambda ls: _edit(ls, 41, '0.1 nan 0.3 1.0'), 42, 'NaN'),
    'beyond float32': (lambda ls: _edit(ls, 9, '1e39 0.1 0.3 1.0'), 10,
                       'beyond float32'),
    'non-number': (lambda ls: _edit(ls, 30, '0.1 0.2 x 1.0'), 31,
                   'non-number'),
    'blank line inside': (lambda ls: _edit(ls, 20, ''), 21,
                          'unexpected blank line'),
    'joint missing': (lambda ls: ls[:10] + ls[11:], 59,
                      'not whole frames of 20'),
    'all frames zero': (lambda ls: ['0 0 0 0'] * 40, None,
                        'every frame is all zero'),
    'empty file': (lambda ls: [], None, 'zero frames'),
}


@pytest.mark.parametrize('case', list(MALFORMED))
def test_malformed_file_is_one_error_line_and_nothing_written(
        tmp_path, capsys, case):
    damage, line, problem = MALFORMED[case]
    root = str(tmp_path / 'msr')
    make_root(root)
    bad = skeleton_file(root, seq_name(*LISTED[3]))
    lines = damage(good_lines())
    with open(bad, 'w') as f:
        f.write('\n'.join(lines) + ('\n' if lines else ''))
    out_dir = tmp_path / 'out'
    status, out, err = convert(capsys, root, out_dir / 'msr.pkl',
                               '--num-workers', '1')
    assert status == 1
    errors = [x for x in err.splitlines() if x.startswith('error:')]
    where = bad if line is None else f'{bad}:{line}'
    assert len(errors) == 1 and errors[0].startswith(f'error: {where}: '), \
        err
    assert problem in errors[0]
    assert not osp.exists(out_dir)


def test_skip_bad_counts_the_bad_files(tmp_path, capsys):
    root = str(tmp_path / 'msr')
    make_root(root)
    for fields, lines in ((LISTED[0], ['0.1 0.2 0.3']),
                          (LISTED[5], ['0 0 0 0'] * 20)):
        write_lines(skeleton_file(root, seq_name(*fields)), lines)
    out = tmp_path / 'msr.pkl'
    status, stdout, err = convert(capsys, root, out, '--skip-bad',
                                  '--num-workers', '1')
    assert status == 0
    assert ('6 samples from 9 input files; 2 bad files skipped; 1 files '
            'excluded') in stdout
    assert err.count('skipped bad file') == 2
    data = pickle.load(open(out, 'rb'))
    assert {a['frame_dir'] for a in data['annotations']} == {
        seq_name(*f) for f in LISTED} - {seq_name(*LISTED[0]),
                                         seq_name(*LISTED[5])}


@pytest.mark.parametrize('case', ['missing file', 'bad name', 'twice'])
def test_file_list_errors_name_the_list_and_its_line(tmp_path, capsys,
                                                     case):
    root = str(tmp_path / 'msr')
    make_root(root)
    listing = osp.join(root, 'real_world_coordinates',
                       'files_used_in_cvpr12_paper.txt')
    names = [seq_name(*f) for f in LISTED]
    names, problem = {
        'missing file': (names[:2] + ['a11_s01_e01'], 'a11_s01_e01: no file'),
        'bad name': (names[:2] + ['a21_s01_e01'], 'not an MSR-Action3D'),
        'twice': (names[:2] + [names[0]], 'listed twice'),
    }[case]
    write_lines(listing, names)
    status, _, err = convert(capsys, root, tmp_path / 'msr.pkl')
    assert status == 1
    assert f'error: {listing}:3: ' in err and problem in err
    assert not osp.exists(tmp_path / 'msr.pkl')


def test_another_file_list_and_bad_class_names(tmp_path, capsys):
    root = str(tmp_path / 'msr')
    make_root(root)
    mine = tmp_path / 'mine.txt'
    write_lines(str(mine), [seq_name(*LISTED[2])])
    out = tmp_path / 'msr.pkl'
    status, stdout, _ = convert(capsys, root, out, '--file-list', mine)
    assert status == 0 and '1 samples from 9 input files' in stdout
    assert '8 files excluded' in stdout

    classes = osp.join(root, 'action_names.mat')
    for content, problem in (
            (dict(action_names=mat_cell(CLASS_NAMES[:19])), 'holds 19 names'),
            (dict(names=mat_cell(CLASS_NAMES)), 'no variable "action_names"'),
            (dict(action_names=np.arange(20.)), 'not a cell of strings')):
        write_mat(classes, **content)
        status, _, err = convert(capsys, root, out)
        assert status == 1
        assert f'error: {classes}: ' in err and problem in err
    with open(classes, 'wb') as f:
        f.write(b'not a MATLAB file at all')
    status, _, err = convert(capsys, root, out)
    assert status == 1 and f'error: {classes}: not a readable MATLAB' in err


def test_dataset_reads_the_file_and_s2i_columns_match_kinect20(tmp_path,
                                                               capsys):
    """SkeletonDataset reads the converted file, S2IEncode encodes it, and
    its image equals the image of the same skeleton in kinect20's order:
    the S2I columns mean the same joints in both layouts."""
    from s2i_mm.datasets import SkeletonDataset
    from s2i_mm.datasets.transforms import S2IEncode
    root = str(tmp_path / 'msr')
    make_root(root)
    out = tmp_path / 'msr.pkl'
    assert convert(capsys, root, out, '--num-workers', '1')[0] == 0
    dataset = SkeletonDataset(str(out), split='xsub_dev_val', cache=False)
    assert len(dataset) == 1
    info = dataset[0]
    assert info['skeleton_format'] == 'msr20'
    assert info['label'] == 19
    encode = S2IEncode(size=None, persons='first')
    image = encode(dict(info))['img']
    assert image.shape == (4, 20, 3)
    msr, kinect = get_format('msr20'), get_format('kinect20')
    to_kinect = [msr.index(name) for name in kinect.joint_names]
    same = encode(dict(keypoint=info['keypoint'][..., to_kinect, :],
                       skeleton_format='kinect20'))['img']
    np.testing.assert_array_equal(image, same)
    assert np.ptp(image) > 0.5  # a real image, not a constant
