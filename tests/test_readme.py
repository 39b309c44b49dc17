"""README.md's commands as a new user runs them: the demo's steps by hand,
one after the other, each reading what the one before wrote."""
import os
import os.path as osp
import re
import shlex

import pytest
from mmengine.config import Config

from s2i_mm.apis.tool_jobs import fit_schedule

from s2i_testing import REPO, run_tool

#: Epochs of every training step here (the schedules fitted to it).
EPOCHS = 2


def demo_steps():
    """The commands of the README's ``demo-steps`` block, split."""
    with open(osp.join(REPO, 'README.md')) as f:
        text = f.read()
    block = re.search(r'<!-- demo-steps -->\n```bash\n(.*?)```', text,
                      re.S).group(1)
    return [shlex.split(line) for line in block.splitlines() if line]


def test_the_probe_reads_what_the_pretraining_writes():
    """Without running anything: the probe config's encoder checkpoint is
    the one the README's pretraining command writes (its work dir, its
    last epoch), and the test step reads the probe's last checkpoint."""
    steps = demo_steps()
    trains = [s for s in steps if s[1] == 'tools/train.py']
    (mae_cfg, *mae_args), (probe_cfg, *probe_args) = [s[2:] for s in trains]
    mae_dir = mae_args[mae_args.index('--work-dir') + 1]
    mae_epochs = Config.fromfile(osp.join(REPO, mae_cfg)).train_cfg.max_epochs
    probe = Config.fromfile(osp.join(REPO, probe_cfg))
    assert probe.model.backbone.init_cfg.checkpoint == osp.join(
        mae_dir, f'epoch_{mae_epochs}.pth')
    probe_dir = probe_args[probe_args.index('--work-dir') + 1]
    test = next(s for s in steps if s[1] == 'tools/test.py')
    assert test[3] == osp.join(probe_dir,
                               f'epoch_{probe.train_cfg.max_epochs}.pth')


@pytest.mark.e2e
def test_demo_steps_run_in_order(tmp_path):
    """Every command as written, from a folder holding the repository's
    configs, on 4 samples per class and with each schedule fitted to 2
    epochs; each run's last checkpoint is linked under the name of the full
    schedule's last one, which the next steps read."""
    os.symlink(osp.join(REPO, 'configs'), tmp_path / 'configs')
    runs = []
    for python, script, *argv in demo_steps():
        assert python == 'python'
        extra = []
        if script == 'tools/data/make_synthetic.py':
            extra = ['--num-per-class', 4]
        elif script == 'tools/train.py':
            config = osp.join(REPO, argv[0])
            full = Config.fromfile(config).train_cfg.max_epochs
            options = fit_schedule(config, EPOCHS)
            if Config.fromfile(config).get('val_cfg'):
                options['train_cfg.val_interval'] = EPOCHS
            extra = ['--cfg-options',
                     *(f'{k}={v}' for k, v in options.items())]
        runs.append(run_tool(script, *argv, *extra, cwd=str(tmp_path)))
        if script == 'tools/train.py':
            work = tmp_path / argv[argv.index('--work-dir') + 1]
            assert (work / f'epoch_{EPOCHS}.pth').is_file()
            os.symlink(f'epoch_{EPOCHS}.pth', work / f'epoch_{full}.pth')
    assert [r.returncode for r in runs] == [0] * 5
    assert 'acc/top1' in runs[3].stdout  # the test's metrics table
    assert 'top-5' in runs[4].stdout  # the demo's prediction table
