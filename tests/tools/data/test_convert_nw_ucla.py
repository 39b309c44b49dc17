import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest
from raw_files import random_motion, write_ucla_json

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.nw_ucla import convert_nw_ucla, parse_ucla_file

from s2i_testing import REPO, load_script, run_tool

# The 10 NW-UCLA action codes in label order (a07 and a10 do not exist).
ACTIONS = (1, 2, 3, 4, 5, 6, 8, 9, 11, 12)


def write_sequence(directory, action, subject, take, view, rng, frames=4):
    name = f'a{action:02d}_s{subject:02d}_e{take:02d}_v{view:02d}'
    skeletons = random_motion(rng, frames, 20)
    path = write_ucla_json(str(directory), name, skeletons,
                           ACTIONS.index(action) + 1)
    return name, path, skeletons


def test_round_trip_labels_and_cross_view_split(tmp_path):
    rng = np.random.default_rng(0)
    written = {}
    for action, view in ((1, 1), (12, 2), (8, 3), (11, 1), (6, 3)):
        name, _, skeletons = write_sequence(tmp_path, action, 1, 0, view,
                                            rng)
        written[name] = (action, view, skeletons)
    out = str(tmp_path / 'out' / 'ucla.pkl')
    convert_nw_ucla(str(tmp_path), out)
    data = pickle.load(open(out, 'rb'))
    assert data['skeleton_format'] == 'kinect20'
    assert len(data['classes']) == 10
    for ann in data['annotations']:
        action, _, skeletons = written[ann['frame_dir']]
        assert ann['label'] == ACTIONS.index(action)  # 0-based
        assert ann['keypoint'].shape == (1, 4, 20, 3)
        np.testing.assert_allclose(ann['keypoint'][0], skeletons, atol=1e-6)
    views = {n: v for n, (_, v, _) in written.items()}
    assert set(data['split']['xview_train']) == {
        n for n, v in views.items() if v in (1, 2)}
    assert set(data['split']['xview_val']) == {
        n for n, v in views.items() if v == 3}


def rewrite(path, edit):
    content = json.load(open(path))
    edit(content)
    with open(path, 'w') as f:
        json.dump(content, f)


def test_malformed_files(tmp_path):
    rng = np.random.default_rng(1)
    _, path, _ = write_sequence(tmp_path, 3, 2, 1, 2, rng)
    text = open(path).read()

    with open(path, 'w') as f:  # truncated JSON on its 3rd line
        f.write('{\n "file_name": "a03_s02_e01_v02",\n "skeletons": [[')
    with pytest.raises(MalformedInputError) as info:
        parse_ucla_file(path)
    assert info.value.line == 3 and 'bad JSON' in str(info.value)

    cases = {
        'wrong joint count': (lambda c: c['skeletons'][2].pop(),
                              'frame 2 has 19 joints'),
        'nan': (lambda c: c['skeletons'][1][5].__setitem__(0, float('nan')),
                'frame 1: NaN'),
        'label mismatch': (lambda c: c.__setitem__('label', 4),
                           'label 4 disagrees with action a03'),
        'missing key': (lambda c: c.pop('label'), "missing key(s) ['label']"),
        'zero frames': (lambda c: c.__setitem__('skeletons', []),
                        'zero frames'),
        'bad name': (lambda c: c.__setitem__('file_name', 'a03_s02_v02'),
                     'does not follow'),
    }
    for edit, problem in cases.values():
        with open(path, 'w') as f:
            f.write(text)
        rewrite(path, edit)
        with pytest.raises(MalformedInputError) as info:
            parse_ucla_file(path)
        assert str(info.value).startswith(f'{path}: ')
        assert problem in str(info.value)


def test_cli_bad_json_leaves_no_output(tmp_path):
    rng = np.random.default_rng(2)
    raw = tmp_path / 'all_sqe'
    raw.mkdir()
    for view in (1, 2, 3):
        write_sequence(raw, 1, 1, 0, view, rng)
    bad = raw / 'a02_s01_e00_v01.json'
    bad.write_text('{"file_name": "a02_s01_e00_v01",\n"skeletons": [1, 2')
    out_dir = tmp_path / 'out'
    tool = osp.join(REPO, 'tools', 'data', 'convert_nw_ucla.py')
    proc = run_tool(tool, str(raw), str(out_dir / 'u.pkl'),
                    '--num-workers', '1', check=False)
    assert proc.returncode == 1
    assert f'error: {bad}:2: bad JSON' in proc.stderr
    assert not osp.exists(out_dir) or os.listdir(out_dir) == []


@pytest.mark.parametrize('edit,problem', [
    (lambda c: c.__setitem__('skeletons', [[[0, 0, 0]] * 20] * 3),
     'all zero'),
    (lambda c: c['skeletons'][1][4].__setitem__(2, '0.5'), 'not a number'),
    (lambda c: c['skeletons'][0][0].__setitem__(0, True), 'not a number'),
    (lambda c: c['skeletons'][2][7].__setitem__(1, 10 ** 400),
     'not a finite'),
    (lambda c: c['skeletons'][2][7].__setitem__(1, 1e39), 'not a finite'),
])
def test_values_that_are_not_coordinates(tmp_path, edit, problem):
    _, path, _ = write_sequence(tmp_path, 3, 2, 1, 2,
                                np.random.default_rng(5))
    rewrite(path, edit)
    with pytest.raises(MalformedInputError) as info:
        parse_ucla_file(path)
    assert str(info.value).startswith(f'{path}: ')
    assert problem in str(info.value)


def test_cli_writes_the_subject_disjoint_dev_splits(tmp_path, capsys):
    rng = np.random.default_rng(6)
    raw = tmp_path / 'all_sqe'
    raw.mkdir()
    views = {}
    for subject in (1, 2, 8, 9, 10):
        for view in (1, 2, 3):
            name, _, _ = write_sequence(raw, 1 + subject % 3, subject, 0,
                                        view, rng)
            views[name] = (subject, view)
    out = tmp_path / 'ucla.pkl'
    tool = load_script(osp.join('tools', 'data', 'convert_nw_ucla.py'))
    assert tool.main([str(raw), str(out), '--num-workers', '1']) == 0
    assert '15 samples from 15 input files' in capsys.readouterr().out
    split = {k: set(v) for k, v in
             pickle.load(open(out, 'rb'))['split'].items()}

    def members(subjects, view_set):
        return {n for n, (s, v) in views.items()
                if s in subjects and v in view_set}

    assert split == {
        'xview_train': members(range(1, 11), {1, 2}),
        'xview_val': members(range(1, 11), {3}),
        'xview_dev_train': members(range(1, 9), {1, 2}),
        'xview_dev_val': members({9, 10}, {1, 2}),
    }


def test_a_subject_outside_1_to_10_is_a_bad_file(tmp_path):
    _, path, _ = write_sequence(tmp_path, 1, 11, 0, 1,
                                np.random.default_rng(7))
    with pytest.raises(MalformedInputError) as info:
        parse_ucla_file(path)
    assert str(info.value) == f'{path}: unknown subject s11'
