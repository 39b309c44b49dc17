"""UTD-MHAD converter on tiny raw folders written in the published format
(``a<A>_s<S>_t<T>_skeleton.mat`` holding ``d_skel`` (20, 3, T), written
with ``scipy.io.savemat``), converted through the command line."""
import os.path as osp
import pickle

import numpy as np
import pytest
from raw_files import random_motion, write_mat

from s2i_mm.converters.readers import read_raw_clip
from s2i_mm.formats import get_format

from s2i_testing import load_script, run_tool

TOOL = osp.join('tools', 'data', 'convert_utd_mhad.py')
#: the joint order of the dataset's Skeleton_joint_order.txt, 1-based
README_JOINTS = {
    1: 'head', 2: 'shoulder_center', 3: 'spine', 4: 'hip_center',
    5: 'left_shoulder', 6: 'left_elbow', 7: 'left_wrist', 8: 'left_hand',
    9: 'right_shoulder', 10: 'right_elbow', 11: 'right_wrist',
    12: 'right_hand', 13: 'left_hip', 14: 'left_knee', 15: 'left_ankle',
    16: 'left_foot', 17: 'right_hip', 18: 'right_knee', 19: 'right_ankle',
    20: 'right_foot'}
#: (action, subject, trial) written; trial 4 of a8_s1 is missing, as in
#: the release; every split is hit
WRITTEN = [(1, 1, 1), (8, 1, 3), (27, 2, 4), (3, 3, 2), (10, 4, 1),
           (13, 5, 1), (2, 6, 3), (27, 7, 2), (9, 7, 4), (5, 8, 1)]


def seq_name(action, subject, trial):
    return f'a{action}_s{subject}_t{trial}'


def mat_path(root, name):
    return osp.join(root, f'{name}_skeleton.mat')


def make_root(root, sequences=WRITTEN, seed=0):
    """A folder of ``*_skeleton.mat`` files; returns name -> the written
    ``d_skel`` (20, 3, T)."""
    rng = np.random.default_rng(seed)
    written = {}
    for fields in sequences:
        motion = random_motion(rng, 5, 20, offset=1.0).astype(np.float64)
        d_skel = np.ascontiguousarray(motion.transpose(1, 2, 0))
        name = seq_name(*fields)
        write_mat(mat_path(root, name), d_skel=d_skel)
        written[name] = d_skel
    return written


def convert(capsys, *args):
    """Run the tool's ``main`` in this process: (status, stdout, stderr)."""
    status = load_script(TOOL).main([str(a) for a in args])
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_labels_classes_and_splits(tmp_path):
    root = tmp_path / 'utd_mhad'
    root.mkdir()
    written = make_root(str(root))
    (root / 'Skeleton_joint_order.txt').write_text('not a skeleton file\n')
    out = tmp_path / 'out' / 'utd.pkl'
    proc = run_tool(TOOL, str(root), str(out),
                    '--num-workers', '2')
    assert ('10 samples from 10 input files; 0 bad files skipped; 0 files '
            'excluded') in proc.stdout
    data = pickle.load(open(out, 'rb'))
    assert data['skeleton_format'] == 'utd20'
    assert len(data['classes']) == 27
    assert data['classes'][0] == 'right arm swipe to the left'
    assert data['classes'][26] == 'squat (two arms stretch out)'
    # numeric order of action, subject, trial (a8 before a27)
    assert [a['frame_dir'] for a in data['annotations']] == [
        seq_name(*f) for f in sorted(WRITTEN)]
    for ann in data['annotations']:
        action = int(ann['frame_dir'].split('_')[0][1:])
        assert ann['label'] == action - 1
        d_skel = written[ann['frame_dir']]
        assert ann['keypoint'].shape == (1, 5, 20, 3)
        assert ann['total_frames'] == 5
        np.testing.assert_array_equal(
            ann['keypoint'][0], d_skel.transpose(2, 0, 1).astype(np.float32))
    subject = {seq_name(*f): f[1] for f in WRITTEN}

    def members(subjects):
        return {n for n, s in subject.items() if s in subjects}

    assert {k: set(v) for k, v in data['split'].items()} == {
        'xsub_train': members({1, 3, 5, 7}),
        'xsub_val': members({2, 4, 6, 8}),
        'xsub_dev_train': members({1, 3, 5}),
        'xsub_dev_val': members({7}),
    }


def test_a_value_at_raw_joint_k_lands_at_the_joint_the_readme_names(
        tmp_path, capsys):
    d_skel = np.zeros((20, 3, 2))
    for k in range(20):  # joint k (0-based) holds k + 1, 10 (k + 1), ...
        d_skel[k] = np.array([[1], [10], [100]]) * (k + 1)
    d_skel[..., 1] += 0.5
    write_mat(mat_path(tmp_path, 'a1_s1_t1'), d_skel=d_skel)
    out = tmp_path / 'out.pkl'
    assert convert(capsys, tmp_path, out, '--num-workers', '1')[0] == 0
    keypoint = pickle.load(open(out, 'rb'))['annotations'][0]['keypoint']
    fmt = get_format('utd20')
    for number, joint in README_JOINTS.items():
        np.testing.assert_array_equal(
            keypoint[0, :, fmt.index(joint)], d_skel[number - 1].T,
            err_msg=f'README joint {number} ({joint})')


def test_zero_frames_dropped_one_frame_kept_and_raw_clip_reader(tmp_path):
    d_skel = np.zeros((20, 3, 4))
    d_skel[..., 1] = np.arange(60).reshape(20, 3) + 1
    d_skel[..., 3] = 2.0
    path = mat_path(tmp_path, 'a2_s2_t2')
    write_mat(path, d_skel=d_skel)
    keypoint, fmt = read_raw_clip(path)
    assert fmt == 'utd20'
    np.testing.assert_array_equal(keypoint[0], d_skel[..., [1, 3]].transpose(
        2, 0, 1))
    # MATLAB stores a one-frame (20, 3, 1) array as (20, 3)
    write_mat(path, d_skel=d_skel[..., 1])
    np.testing.assert_array_equal(read_raw_clip(path)[0][0, 0],
                                  d_skel[..., 1])


def _garbage(path):
    with open(path, 'wb') as f:
        f.write(b'MATLAB 5.0 MAT-file, truncated')


#: name -> (write the bad file at a path, problem)
MALFORMED = {
    'no d_skel': (lambda p: write_mat(p, skeleton=np.ones((20, 3, 4))),
                  'no variable "d_skel"'),
    'wrong joint count': (lambda p: write_mat(p, d_skel=np.ones((19, 3, 4))),
                          'has shape (19, 3, 4), expected (20, 3, T)'),
    'two coordinates': (lambda p: write_mat(p, d_skel=np.ones((20, 2, 4))),
                        'has shape (20, 2, 4)'),
    'frames first': (lambda p: write_mat(p, d_skel=np.ones((4, 20, 3))),
                     'has shape (4, 20, 3)'),
    'zero frames': (lambda p: write_mat(p, d_skel=np.ones((20, 3, 0))),
                    'zero frames: "d_skel" has shape (20, 3, 0)'),
    'all frames zero': (lambda p: write_mat(p, d_skel=np.zeros((20, 3, 3))),
                        'every frame is all zero'),
    'nan': (lambda p: write_mat(p, d_skel=np.where(
        np.arange(60 * 3).reshape(20, 3, 3) == 100, np.nan, 1.0)),
        'frame 1, joint 11: NaN'),
    'text': (lambda p: write_mat(p, d_skel='x'), 'not an array of real'),
    'not a MAT file': (_garbage, 'not a readable MATLAB file'),
}


@pytest.mark.parametrize('case', list(MALFORMED))
def test_malformed_file_is_one_error_line_and_nothing_written(
        tmp_path, capsys, case):
    write_bad, problem = MALFORMED[case]
    root = tmp_path / 'utd'
    root.mkdir()
    make_root(str(root))
    bad = mat_path(str(root), seq_name(*WRITTEN[4]))
    write_bad(bad)
    out_dir = tmp_path / 'out'
    status, _, err = convert(capsys, root, out_dir / 'utd.pkl',
                             '--num-workers', '1')
    assert status == 1
    errors = [x for x in err.splitlines() if x.startswith('error:')]
    assert len(errors) == 1 and errors[0].startswith(f'error: {bad}: '), err
    assert problem in errors[0]
    assert not osp.exists(out_dir)


def test_a_name_outside_the_dataset_is_a_bad_file(tmp_path, capsys):
    make_root(str(tmp_path))
    bad = mat_path(str(tmp_path), 'a28_s1_t1')
    write_mat(bad, d_skel=np.ones((20, 3, 2)))
    status, _, err = convert(capsys, tmp_path, tmp_path / 'u.pkl')
    assert status == 1
    assert f"error: {bad}: file name 'a28_s1_t1_skeleton.mat'" in err


def test_skip_bad_counts_the_bad_files(tmp_path, capsys):
    make_root(str(tmp_path))
    for fields in (WRITTEN[0], WRITTEN[6]):
        MALFORMED['wrong joint count'][0](mat_path(str(tmp_path),
                                                   seq_name(*fields)))
    out = tmp_path / 'out' / 'utd.pkl'
    status, stdout, err = convert(capsys, tmp_path, out, '--skip-bad',
                                  '--num-workers', '1')
    assert status == 0
    assert ('8 samples from 10 input files; 2 bad files skipped; 0 files '
            'excluded') in stdout
    assert err.count('skipped bad file') == 2
    data = pickle.load(open(out, 'rb'))
    assert {a['frame_dir'] for a in data['annotations']} == {
        seq_name(*f) for f in WRITTEN} - {seq_name(*WRITTEN[0]),
                                          seq_name(*WRITTEN[6])}


def test_dataset_reads_the_file_and_s2i_columns_match_kinect20(tmp_path,
                                                               capsys):
    """SkeletonDataset reads the converted file, S2IEncode encodes it, and
    its image equals the image of the same skeleton in kinect20's order:
    the S2I columns mean the same joints in both layouts."""
    from s2i_mm.datasets import SkeletonDataset
    from s2i_mm.datasets.transforms import S2IEncode
    make_root(str(tmp_path))
    out = tmp_path / 'out' / 'utd.pkl'
    assert convert(capsys, tmp_path, out, '--num-workers', '1')[0] == 0
    dataset = SkeletonDataset(str(out), split='xsub_dev_val', cache=False)
    assert sorted(dataset[i]['label'] for i in range(len(dataset))) == [8,
                                                                        26]
    info = dataset[0]
    assert info['skeleton_format'] == 'utd20'
    encode = S2IEncode(size=None, persons='first')
    image = encode(dict(info))['img']
    assert image.shape == (5, 20, 3)
    utd, kinect = get_format('utd20'), get_format('kinect20')
    to_kinect = [utd.index(name) for name in kinect.joint_names]
    same = encode(dict(keypoint=info['keypoint'][..., to_kinect, :],
                       skeleton_format='kinect20'))['img']
    np.testing.assert_array_equal(image, same)
    assert np.ptp(image) > 0.5
