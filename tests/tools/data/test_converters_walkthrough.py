"""docs/converters.md, "Your own dataset: a walk-through", executed: the
spec file, the config and the shell commands are taken from the document
(the blocks marked ``<!-- walkthrough: ... -->``) and run as written, on
generated 30-joint sequences."""
import glob
import os
import os.path as osp
import pickle
import re
import shlex
import sys

import numpy as np
import pytest
from raw_files import write_lines, write_mocap_csv

from s2i_testing import REPO, run_cmd

DOC = osp.join(REPO, 'docs', 'converters.md')
BLOCK = re.compile(r'<!-- walkthrough: (run|file (\S+)) -->\s*\n```\w*\n'
                   r'(.*?)\n```', re.S)
ACTIONS = ('wave', 'kick', 'squat')


def walkthrough_blocks():
    """``[('file', path, text) | ('run', None, command)]`` in doc order."""
    steps = []
    for match in BLOCK.finditer(open(DOC).read()):
        kind, path, text = match.groups()
        if path is not None:
            steps.append(('file', path, text + '\n'))
            continue
        for command in text.replace('\\\n', ' ').splitlines():
            if command.strip():
                steps.append(('run', None, command.strip()))
    return steps


def write_sequences(root, joint_names, rng):
    """3 actions x 4 subjects x 3 takes of a 30-joint skeleton; a wave
    moves the left forearm and hand, a kick the right leg, a squat lowers
    everything above the knees. Odd takes as CSV, even takes as .npy."""
    index = {n: i for i, n in enumerate(joint_names)}
    moving = {
        'wave': ([index[j] for j in ('LeftForeArm', 'LeftHand',
                                     'LeftHandThumb', 'LeftHandIndex')], 0),
        'kick': ([index[j] for j in ('RightLeg', 'RightFoot', 'RightToeBase',
                                     'RightToeEnd')], 2),
        'squat': ([i for n, i in index.items() if 'Leg' not in n
                   and 'Foot' not in n and 'Toe' not in n], 1),
    }
    rows = ['name,label']
    body = rng.normal(0, 0.3, size=(30, 3)) * [1, 2, 1] + [0, 1, 3]
    for action in ACTIONS:
        joints, axis = moving[action]
        for subject in range(1, 5):
            pose = body * rng.uniform(0.9, 1.1) + rng.normal(0, 0.02,
                                                             (30, 3))
            for take in range(1, 4):
                frames = int(rng.integers(40, 60))
                t = np.arange(frames)[:, None]
                xyz = np.repeat(pose[None], frames, 0)
                xyz += rng.normal(0, 0.01, size=xyz.shape)
                xyz[:, joints, axis] += 0.4 * np.sin(
                    2 * np.pi * t / rng.uniform(15, 25))
                name = f'{action}/s{subject:02d}_t{take}'
                path = osp.join(root, 'sequences', name)
                os.makedirs(osp.dirname(path), exist_ok=True)
                if take % 2:
                    write_mocap_csv(path + '.csv', joint_names, xyz)
                else:
                    np.save(path + '.npy', xyz.astype(np.float32))
                rows.append(f'{name},{action}')
    write_lines(osp.join(root, 'labels.csv'), rows)


@pytest.mark.e2e
def test_walkthrough_runs_as_written(tmp_path):
    steps = walkthrough_blocks()
    assert [k for k, _, _ in steps].count('run') == 4, steps
    for name in ('tools', 'configs'):
        os.symlink(osp.join(REPO, name), tmp_path / name)
    env = dict(PATH=os.pathsep.join([osp.dirname(sys.executable),
                                     os.environ.get('PATH', '')]))
    outputs = []
    for kind, path, text in steps:
        if kind == 'file':
            os.makedirs(tmp_path / osp.dirname(path), exist_ok=True)
            (tmp_path / path).write_text(text)
            if path.endswith('.yaml'):
                from s2i_mm.formats import load_format_spec
                fmt = load_format_spec(str(tmp_path / path), register=False)
                assert fmt.num_joints == 30
                write_sequences(str(tmp_path / 'my_data'), fmt.joint_names,
                                np.random.default_rng(0))
            continue
        proc = run_cmd(['bash', '-c',
                        f'cd {shlex.quote(str(tmp_path))} && {text}'],
                       env=env, timeout=600)
        outputs.append(proc.stdout + proc.stderr)

    convert, _, _, test = outputs
    assert '36 samples from 36 input files; 0 bad files skipped' in convert
    data = pickle.load(open(tmp_path / 'my_data' / 'mocap30.pkl', 'rb'))
    assert data['skeleton_format'] == 'mocap30.yaml'
    assert data['classes'] == sorted(ACTIONS)
    assert len(data['split']['train']) == 27
    assert len(data['split']['val']) == 9
    assert glob.glob(str(tmp_path / 'my_data' / 's2i_images' / '**' /
                         '*.png'), recursive=True)
    metrics = dict(re.findall(r'acc/(top1|top5|mean1): ([\d.]+)', test))
    assert set(metrics) == {'top1', 'top5', 'mean1'}, test[-3000:]
    # three actions that move different limbs: well above chance (1/3)
    assert float(metrics['top1']) > 0.6, test[-3000:]
