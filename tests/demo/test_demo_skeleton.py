"""demo/demo_skeleton.py: a raw ``.json`` clip is read in the layout its
keys say; a clip the model cannot take is one ``error:`` line."""
import json

import numpy as np
import pytest
import torch

from s2i_mm.apis import init_recognizer

from s2i_testing import FIXTURES, run_tool

CLASSIFIER = f'{FIXTURES}/configs/tiny_s2i_classifier.py'


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """An NW-UCLA clip, a JSON clip of no known dataset, a classifier on
    ``kinect20`` (NW-UCLA's layout) and its checkpoint."""
    root = tmp_path_factory.mktemp('demo_json')
    rng = np.random.default_rng(0)
    clip = root / 'a01_s01_e00_v01.json'
    clip.write_text(json.dumps(dict(
        file_name='a01_s01_e00_v01', label=1,
        skeletons=rng.normal(size=(24, 20, 3)).round(4).tolist())))
    other = root / 'other.json'
    other.write_text(json.dumps(dict(poses=[[0.0, 1.0, 2.0]])))
    kinect = root / 'kinect20_classifier.py'
    kinect.write_text(
        f'_base_ = [{CLASSIFIER!r}]\n'
        "val_dataloader = dict(dataset=dict(skeleton_format='kinect20'))\n"
        'test_dataloader = val_dataloader\n')
    torch.manual_seed(0)
    model = init_recognizer(CLASSIFIER)
    ckpt = root / 'classifier.pth'
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(max_persons=1))), ckpt)
    return dict(clip=str(clip), other=str(other), kinect=str(kinect),
                ckpt=str(ckpt))


def test_a_json_clip_in_its_own_layout(files):
    run = run_tool('demo/demo_skeleton.py', files['kinect'], files['ckpt'],
                   files['clip'])
    assert 'top-5' in run.stdout
    assert '│    5 │' in run.stdout  # the fifth ranked class


def error_line(run):
    assert run.returncode == 1
    assert 'Traceback' not in run.stderr
    lines = [line for line in run.stderr.splitlines()
             if line.startswith('error: ')]
    assert len(lines) == 1, run.stderr
    return lines[0]


def test_a_json_clip_of_another_layout_is_one_error_line(files):
    line = error_line(run_tool('demo/demo_skeleton.py', CLASSIFIER,
                               files['ckpt'], files['clip'], check=False))
    assert line.startswith(f"error: {files['clip']}: the file holds "
                           "'kinect20' skeletons")
    assert "'ntu25'" in line


def test_a_json_of_no_known_dataset_is_one_error_line(files):
    line = error_line(run_tool('demo/demo_skeleton.py', files['kinect'],
                               files['ckpt'], files['other'], check=False))
    assert files['other'] in line and 'neither an NW-UCLA clip' in line


def test_a_missing_or_unknown_input_is_one_error_line(files, tmp_path):
    line = error_line(run_tool('demo/demo_skeleton.py', CLASSIFIER,
                               files['ckpt'], str(tmp_path / 'x.npy'),
                               check=False))
    assert line == f"error: {tmp_path / 'x.npy'}: no such skeleton file"
    (tmp_path / 'x.csv').write_text('1,2,3\n')
    line = error_line(run_tool('demo/demo_skeleton.py', CLASSIFIER,
                               files['ckpt'], str(tmp_path / 'x.csv'),
                               check=False))
    assert 'unsupported skeleton file type' in line
