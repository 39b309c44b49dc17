"""End-to-end runtime tests of the real tools on CPU: train / test / resume
in-process, the launchers (dist_*.sh, slurm_*.sh) as subprocesses."""
import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.runner import CheckpointLoader

from s2i_testing import FIXTURES, free_port, run_cmd, run_tool

CONFIG = osp.join(FIXTURES, 'configs', 'toy_classifier.py')


def _state(path):
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    return ckpt.get('state_dict', ckpt)


def _assert_same_weights(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.mark.e2e
def test_train_then_test_with_dump(tmp_path):
    work = tmp_path / 'work'
    train = run_tool('tools/train.py', CONFIG, '--work-dir', work, '--amp')
    assert 'bf16 autocast' in train.stdout
    assert (work / 'epoch_2.pth').is_file()
    logs = list(work.glob('*/*.log'))
    assert logs and 'Epoch(train) [2]' in logs[0].read_text()

    dump = tmp_path / 'scores.pkl'
    test = run_tool('tools/test.py', CONFIG, work / 'epoch_2.pth',
                    '--work-dir', tmp_path / 'test', '--dump', dump)
    assert 'accuracy/top1' in test.stdout  # the rich metrics table
    with open(dump, 'rb') as f:
        scores = pickle.load(f)
    assert scores['scores'].shape == (16, 4)
    assert scores['labels'].tolist() == [i % 4 for i in range(16)]
    assert scores['sample_idx'].tolist() == list(range(16))

    # two processes: each tests half, the dump gathers every sample once
    dist_dump = tmp_path / 'dist_scores.pkl'
    dist_test = run_cmd(['bash', 'tools/dist_test.sh', CONFIG,
                         str(work / 'epoch_2.pth'), '2', '--work-dir',
                         str(tmp_path / 'dist_test'), '--dump',
                         str(dist_dump)],
                        env=dict(PORT=str(free_port())))
    # the metrics table is printed by rank 0 only
    assert dist_test.stdout.count('per-sample scores written to') == 1
    with open(dist_dump, 'rb') as f:
        dist_scores = pickle.load(f)
    assert dist_scores['sample_idx'].tolist() == list(range(16))
    np.testing.assert_allclose(dist_scores['scores'], scores['scores'],
                               rtol=1e-5, atol=1e-6)


@pytest.mark.e2e
def test_resume_is_bit_identical(tmp_path):
    common = ['--seed', '0', '--deterministic']
    full, part = tmp_path / 'full', tmp_path / 'part'
    run_tool('tools/train.py', CONFIG, '--work-dir', full, *common)
    # "interrupted" after epoch 1, then resumed from the work dir
    run_tool('tools/train.py', CONFIG, '--work-dir', part, *common,
             '--cfg-options', 'train_cfg.max_epochs=1')
    assert not (part / 'epoch_2.pth').exists()
    resumed = run_tool('tools/train.py', CONFIG, '--work-dir', part, *common,
                       '--resume')
    assert 'resumed epoch: 1' in resumed.stdout + resumed.stderr
    _assert_same_weights(
        _state(full / 'epoch_2.pth'), _state(part / 'epoch_2.pth'))


def _check_two_ranks(work):
    seen = [json.loads((work / f'rank{r}.json').read_text()) for r in (0, 1)]
    per_epoch = 16  # 32 samples / 2 ranks
    for epoch in range(2):
        a = set(seen[0][epoch * per_epoch:(epoch + 1) * per_epoch])
        b = set(seen[1][epoch * per_epoch:(epoch + 1) * per_epoch])
        assert len(a) == len(b) == per_epoch
        assert not a & b and a | b == set(range(32))
    _assert_same_weights(
        torch.load(work / 'rank0.pth', weights_only=True),
        torch.load(work / 'rank1.pth', weights_only=True))


@pytest.mark.e2e
def test_dist_train_two_cpu_processes(tmp_path):
    work = tmp_path / 'dist'
    run_cmd(['bash', 'tools/dist_train.sh', CONFIG, '2', '--work-dir',
             str(work), '--seed', '0'], env=dict(PORT=str(free_port())))
    _check_two_ranks(work)


@pytest.mark.e2e
def test_slurm_train_with_fake_srun(tmp_path):
    log = tmp_path / 'srun_args.json'
    work = tmp_path / 'slurm'
    path = osp.join(FIXTURES, 'fake_slurm') + os.pathsep + os.environ['PATH']
    run_cmd(['bash', 'tools/slurm_train.sh', 'cpu_part', 'toy', CONFIG,
             str(work), '--seed', '0', '--cfg-options',
             'train_cfg.val_interval=2'],
            env=dict(PATH=path, FAKE_SRUN_LOG=str(log), GPUS='2',
                     CPUS_PER_TASK='1', MASTER_PORT=str(free_port()),
                     SRUN_ARGS='--quotatype=auto'))
    args = json.loads(log.read_text())
    assert args[:2] == ['-p', 'cpu_part']
    assert '--job-name=toy' in args and '--ntasks=2' in args
    assert '--quotatype=auto' in args
    cmd = args[args.index('-u') + 1:]
    assert cmd[0].endswith('tools/train.py') and cmd[1] == CONFIG
    assert f'--work-dir={work}' in cmd and '--launcher=slurm' in cmd
    assert cmd[-4:] == ['--seed', '0', '--cfg-options',
                        'train_cfg.val_interval=2']
    assert (work / 'epoch_2.pth').is_file()
    _check_two_ranks(work)

    test = run_cmd(['bash', 'tools/slurm_test.sh', 'cpu_part', 'toy_test',
                    CONFIG, str(work / 'epoch_2.pth'), '--work-dir',
                    str(tmp_path / 'slurm_test')],
                   env=dict(PATH=path, FAKE_SRUN_LOG=str(log), GPUS='2',
                            MASTER_PORT=str(free_port())))
    args = json.loads(log.read_text())
    assert '--job-name=toy_test' in args and '--launcher=slurm' in args
    assert 'accuracy/top1' in test.stdout
