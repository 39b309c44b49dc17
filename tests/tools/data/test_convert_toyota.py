import os.path as osp
import pickle

import numpy as np
import pytest
from raw_files import lcrnet_detection, random_motion, write_toyota_json

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.toyota import (
    CS_CLASSES,
    CV_CLASSES,
    convert_toyota,
    parse_toyota_file,
    read_toyota_json,
)

from s2i_testing import REPO, run_tool

# The published protocols, typed here independently of the module.
CS_TRAIN = {3, 4, 6, 7, 9, 12, 13, 15, 17, 19, 25}
CV = {'cv1': ({1}, {5}, {2}), 'cv2': ({1, 3, 4, 6, 7}, {5}, {2})}


def write_clip(directory, activity, subject, camera, rng, frames=5):
    name = f'{activity}_p{subject:02d}_r00_v05_c{camera:02d}'
    poses = random_motion(rng, frames, 13)
    write_toyota_json(str(directory), name,
                      [[lcrnet_detection(p)] for p in poses])
    return name, poses


def test_planar_pose3d_best_detection_and_empty_frames(tmp_path):
    rng = np.random.default_rng(0)
    person = random_motion(rng, 3, 13)
    ghost = random_motion(rng, 3, 13, offset=5.0)
    frames = [[lcrnet_detection(ghost[0], 0.2),
               lcrnet_detection(person[0], 0.9)],
              [],
              [lcrnet_detection(person[2], 0.8),
               lcrnet_detection(ghost[2], 0.1)]]
    path = write_toyota_json(str(tmp_path), 'Walk_p03_r01_v15_c07', frames)
    poses = read_toyota_json(path)
    assert poses.shape == (3, 13, 3)
    np.testing.assert_allclose(poses[0], person[0], atol=1e-6)
    assert not poses[1].any()
    np.testing.assert_allclose(poses[2], person[2], atol=1e-6)
    (ann, ) = parse_toyota_file(path)
    assert ann['frame_dir'] == 'Walk_p03_r01_v15_c07'
    assert ann['label'] == CS_CLASSES.index('Walk')
    assert ann['keypoint'].shape == (1, 3, 13, 3)


def test_cs_cv1_cv2_membership(tmp_path):
    rng = np.random.default_rng(1)
    clips = {}
    for activity, subject, camera in (
            ('Walk', 3, 1), ('Walk', 2, 2), ('Cook.Cut', 25, 5),
            ('Readbook', 10, 3), ('Eat.Snack', 18, 7), ('WatchTV', 4, 2),
            ('Sitdown', 12, 5), ('Leave', 20, 4), ('Cutbread', 9, 6)):
        name, _ = write_clip(tmp_path, activity, subject, camera, rng)
        clips[name] = (activity, subject, camera)
    out = str(tmp_path / 'cs.pkl')
    convert_toyota(str(tmp_path), out)
    data = pickle.load(open(out, 'rb'))
    split = data['split']
    assert data['skeleton_format'] == 'lcrnet13'
    assert set(split['cs_train']) == {n for n, c in clips.items()
                                      if c[1] in CS_TRAIN}
    assert set(split['cs_val']) == {n for n, c in clips.items()
                                    if c[1] not in CS_TRAIN}
    for protocol, cameras in CV.items():
        for side, members in zip(('train', 'val', 'test'), cameras):
            assert set(split[f'{protocol}_{side}']) == {
                n for n, c in clips.items()
                if c[2] in members and c[0] in CV_CLASSES}
    assert {a['frame_dir']: a['label'] for a in data['annotations']} == {
        n: CS_CLASSES.index(c[0]) for n, c in clips.items()}

    out = str(tmp_path / 'cv.pkl')
    summary = convert_toyota(str(tmp_path), out, label_space='cv')
    data = pickle.load(open(out, 'rb'))
    kept = {n for n, c in clips.items() if c[0] in CV_CLASSES}
    assert summary['excluded'] == len(clips) - len(kept)
    assert {a['frame_dir']: a['label'] for a in data['annotations']} == {
        n: CV_CLASSES.index(clips[n][0]) for n in kept}
    assert data['classes'] == list(CV_CLASSES)


@pytest.mark.parametrize('content,problem', [
    ([], 'a JSON list at top level'),
    ({'njts': 15, 'frames': [[]]}, '"njts" is 15'),
    ({'njts': 13}, 'no "frames" list'),
    ({'njts': 13, 'frames': []}, 'zero frames'),
    ({'njts': 13, 'frames': [[{'pose2d': [0] * 26}]]}, 'without "pose3d"'),
    ({'njts': 13, 'frames': [[{'pose3d': [0.5] * 45}]]}, 'has 45 values'),
    ({'njts': 13, 'frames': [[], []]}, 'nobody detected'),
    ({'njts': 13, 'frames': [[{'pose3d': [0.5] * 38 + ['x']}]]},
     'is not a number'),
])
def test_rejects_other_schemas(tmp_path, content, problem):
    import json
    path = str(tmp_path / 'Walk_p03_r01_v15_c07_pose3d.json')
    with open(path, 'w') as f:
        json.dump(content, f)
    with pytest.raises(MalformedInputError) as info:
        parse_toyota_file(path)
    assert str(info.value).startswith(f'{path}: ')
    assert problem in str(info.value)


def test_rejects_nan_and_bad_names(tmp_path):
    rng = np.random.default_rng(2)
    poses = random_motion(rng, 2, 13)
    poses[1, 4, 2] = np.nan
    path = write_toyota_json(str(tmp_path), 'Walk_p03_r01_v15_c07',
                             [[lcrnet_detection(p)] for p in poses])
    with pytest.raises(MalformedInputError, match='frame 1: NaN'):
        parse_toyota_file(path)
    for name in ('Walk_p03_r01_v15_c07.json', 'Walk_p03_c07_pose3d.json',
                 'Dance_p03_r01_v15_c07_pose3d.json'):
        bad = tmp_path / name
        bad.write_text('{}')
        with pytest.raises(MalformedInputError, match=str(bad)):
            parse_toyota_file(str(bad))


def test_cli(tmp_path):
    rng = np.random.default_rng(3)
    raw = tmp_path / 'skeletonv12'
    raw.mkdir()
    for subject in (3, 2):
        write_clip(raw, 'Drink.Fromcup', subject, 1, rng)
    (raw / 'Walk_p04_r00_v01_c02_pose3d.json').write_text('{"njts": 13')
    out = str(tmp_path / 'toyota.pkl')
    tool = osp.join(REPO, 'tools', 'data', 'convert_toyota.py')
    proc = run_tool(tool, str(raw), out, '--skip-bad')
    assert '2 samples from 3 input files; 1 bad files skipped' in proc.stdout
    data = pickle.load(open(out, 'rb'))
    assert data['split']['cs_train'] == ['Drink.Fromcup_p03_r00_v05_c01']


@pytest.mark.parametrize('value,problem', [
    ('0.5', 'not a number'), (True, 'not a number'),
    (1e39, 'not a finite'), (10 ** 400, 'not a finite')],
    ids=['string', 'bool', 'float32 overflow', 'huge int'])
def test_coordinates_must_be_finite_numbers(tmp_path, value, problem):
    import json
    pose = lcrnet_detection(np.ones((13, 3)))
    pose['pose3d'][7] = value
    path = str(tmp_path / 'Walk_p03_r01_v15_c07_pose3d.json')
    with open(path, 'w') as f:
        json.dump({'njts': 13, 'frames': [[pose]]}, f)
    with pytest.raises(MalformedInputError) as info:
        read_toyota_json(path)
    assert str(info.value).startswith(f'{path}: ')
    assert problem in str(info.value)
