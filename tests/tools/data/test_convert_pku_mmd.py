import os
import os.path as osp
import pickle

import numpy as np
import pytest
from raw_files import (
    random_motion,
    write_lines,
    write_pku_split,
    write_pku_video,
)

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.pku_mmd import (
    convert_pku_mmd,
    parse_pku_video,
    read_pku_skeleton,
    read_split_file,
)

from s2i_testing import REPO, run_tool


@pytest.fixture
def dataset(tmp_path):
    """Three tiny videos, their labels and the two published split files."""
    root = tmp_path / 'v1'
    skeleton, label = root / 'skeleton', root / 'label'
    skeleton.mkdir(parents=True)
    label.mkdir()
    rng = np.random.default_rng(0)
    bodies = {}
    for video, two in (('0002-L', True), ('0002-M', False),
                       ('0003-R', False)):
        main = random_motion(rng, 30, 25, scale=0.2)
        other = random_motion(rng, 30, 25, scale=0.01, offset=1.0)
        other[:10] = 0  # the second person enters at frame 10
        bodies[video] = [main, other] if two else [main]
        write_pku_video(str(skeleton), str(label), video, bodies[video],
                        [(5, 0, 12), (51, 12, 30)])
    write_pku_split(str(root / 'cross-subject.txt'), ['0002-L', '0002-M'],
                    ['0003-R'])
    write_pku_split(str(root / 'cross-view.txt'), ['0002-M', '0003-R'],
                    ['0002-L'])
    return root, bodies


def test_clips_are_cut_by_label_intervals(dataset):
    root, bodies = dataset
    anns = parse_pku_video((str(root / 'skeleton' / '0002-L.txt'),
                            str(root / 'label' / '0002-L.txt')))
    assert [a['frame_dir'] for a in anns] == ['0002-L_001', '0002-L_002']
    assert [a['label'] for a in anns] == [4, 50]
    first, second = (a['keypoint'] for a in anns)
    # frames [0, 12): the second person is absent in 10 of 12 frames but
    # present in 2, so both bodies are kept, the moving one first
    assert first.shape == (2, 12, 25, 3)
    np.testing.assert_allclose(first[0], bodies['0002-L'][0][:12],
                               atol=1e-5)
    assert second.shape == (2, 18, 25, 3)
    np.testing.assert_allclose(second[1], bodies['0002-L'][1][12:],
                               atol=1e-5)
    (one, _) = parse_pku_video((str(root / 'skeleton' / '0002-M.txt'),
                                str(root / 'label' / '0002-M.txt')))
    assert one['keypoint'].shape == (1, 12, 25, 3)  # zero body dropped


def test_split_files_decide_membership(dataset, tmp_path):
    root, _ = dataset
    out = str(tmp_path / 'pku.pkl')
    convert_pku_mmd(str(root), out)
    data = pickle.load(open(out, 'rb'))
    clips = lambda *videos: [f'{v}_{n:03d}' for v in videos  # noqa: E731
                             for n in (1, 2)]
    assert data['split'] == {
        'xsub_train': clips('0002-L', '0002-M'),
        'xsub_val': clips('0003-R'),
        'xview_train': clips('0002-M', '0003-R'),
        'xview_val': clips('0002-L'),
    }
    assert data['skeleton_format'] == 'ntu25'


def test_split_file_format(tmp_path):
    path = str(tmp_path / 'cross_subject_v2.txt')
    write_lines(path, ['Training videos:', 'A01N01-L, A01N01-M,',
                       'A01N02-L', 'Validation videos: ', 'A02N01-R'])
    assert read_split_file(path) == (['A01N01-L', 'A01N01-M', 'A01N02-L'],
                                     ['A02N01-R'])
    write_lines(path, ['0001-L, 0002-L'])
    with pytest.raises(MalformedInputError, match=r':1: video ids before'):
        read_split_file(path)
    write_lines(path, ['Training videos:', '0001-L'])
    with pytest.raises(MalformedInputError, match='no "Validataion'):
        read_split_file(path)


@pytest.mark.parametrize('case', ['short line', 'nan', 'label line',
                                  'past the end', 'no label file'])
def test_malformed_inputs(dataset, case):
    root, _ = dataset
    skeleton = str(root / 'skeleton' / '0002-M.txt')
    label = str(root / 'label' / '0002-M.txt')
    lines = open(skeleton).read().split('\n')
    if case == 'short line':
        lines[6] = ' '.join(lines[6].split()[:149])
        write_lines(skeleton, lines[:-1])
        expected = (skeleton, 7, 'has 149 values')
    elif case == 'nan':
        lines[3] = 'nan ' + lines[3].split(' ', 1)[1]
        write_lines(skeleton, lines[:-1])
        expected = (skeleton, 4, 'NaN')
    elif case == 'label line':
        write_lines(label, ['5,0,12,1', '7;3;9;1'])
        expected = (label, 2, 'action_id,start_frame')
    elif case == 'past the end':
        write_lines(label, ['5,0,12,1', '8,30,40,1'])
        expected = (label, 2, 'starts at frame 30')
    else:
        os.remove(label)
        expected = (skeleton, None, 'no label file')
    with pytest.raises(MalformedInputError) as info:
        parse_pku_video((skeleton, label))
    assert (info.value.path, info.value.line) == expected[:2]
    assert expected[2] in str(info.value)


def test_cli_skip_bad(dataset, tmp_path):
    root, _ = dataset
    write_lines(str(root / 'skeleton' / '0003-R.txt'), ['1 2 3'])
    out = str(tmp_path / 'out' / 'pku.pkl')
    tool = osp.join(REPO, 'tools', 'data', 'convert_pku_mmd.py')
    proc = run_tool(tool, str(root), out, check=False)
    assert proc.returncode == 1 and '0003-R.txt:1: frame line' in proc.stderr
    assert not osp.exists(out)
    proc = run_tool(tool, str(root), out, '--skip-bad',
                    '--split-file', f'xsub={root}/cross-subject.txt')
    assert '4 samples from 3 input files; 1 bad files skipped' in proc.stdout
    data = pickle.load(open(out, 'rb'))
    assert set(data['split']) == {'xsub_train', 'xsub_val'}
    assert data['split']['xsub_val'] == []


def test_each_frame_line_is_counted(dataset):
    """149 values on one line and 151 on the next are caught per line."""
    root, _ = dataset
    skeleton = str(root / 'skeleton' / '0002-M.txt')
    lines = open(skeleton).read().split('\n')[:-1]
    first = lines[3].split()
    lines[3] = ' '.join(first[:-1])
    lines[4] = f'{first[-1]} {lines[4]}'
    write_lines(skeleton, lines)
    with pytest.raises(MalformedInputError) as info:
        read_pku_skeleton(skeleton)
    assert info.value.line == 4 and 'has 149 values' in str(info.value)


def test_split_file_without_a_protocol_name_is_one_error(dataset, tmp_path):
    root, _ = dataset
    os.rename(root / 'cross-subject.txt', root / 'my_split.txt')
    tool = osp.join(REPO, 'tools', 'data', 'convert_pku_mmd.py')
    proc = run_tool(tool, str(root), str(tmp_path / 'o.pkl'),
                    '--split-file', str(root / 'my_split.txt'), check=False)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert 'error: ' in proc.stderr and 'my_split.txt' in proc.stderr
    assert 'NAME=PATH' in proc.stderr
