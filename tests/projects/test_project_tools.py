"""Each project pretrains for a few iterations and linear-probes its frozen
encoder through tools/train.py, its modules loaded by ``custom_imports``
(the tools see the projects through PYTHONPATH, as documented)."""
import sys

import pytest
import torch
from mmengine.runner import CheckpointLoader

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import run_cmd

PROJECTS = {
    'skeleton2vec': (
        'projects/skeleton2vec/configs/'
        'skeleton2vec_skt-w16-l4_1xb32-200e_synthetic.py',
        'projects/skeleton2vec/configs/skt-w16-l4_linear-1xb32-50e_synthetic.py',
        'teacher.module.'),
    'skeletonmae': (
        'projects/skeletonmae/configs/'
        'skeletonmae_gin-w16-l3_1xb32-200e_synthetic.py',
        'projects/skeletonmae/configs/gin-w16-l3_linear-1xb32-50e_synthetic.py',
        'backbone.'),
}


def _state(path):
    return CheckpointLoader.load_checkpoint(
        str(path), map_location='cpu')['state_dict']


@pytest.mark.e2e
@pytest.mark.parametrize('name', sorted(PROJECTS))
def test_pretrain_then_linear_probe_with_custom_imports(name, tmp_path):
    pretrain_cfg, probe_cfg, prefix = PROJECTS[name]
    ann_file = str(tmp_path / 'synthetic.pkl')
    data = generate(num_per_class=2, seed=0, formats=('ntu25', ))['ntu25']
    dump_annotation_file(data, ann_file)
    one_epoch = ['train_cfg.max_epochs=1',
                 'default_hooks.checkpoint.interval=1',
                 'default_hooks.logger.interval=1']
    pretrain_dir = tmp_path / 'pretrain'
    out = run_cmd([sys.executable, 'tools/train.py', pretrain_cfg,
                   '--work-dir', str(pretrain_dir), '--cfg-options',
                   f'train_dataloader.dataset.ann_file={ann_file}',
                   'train_dataloader.batch_size=4', *one_epoch])
    # 20 training samples at batch 4: a few iterations, each with a loss
    assert 'Epoch(train) [1][5/5]' in out.stdout + out.stderr
    pretrained = pretrain_dir / 'epoch_1.pth'

    probe_dir = tmp_path / 'probe'
    data_opts = [f'{split}_dataloader.dataset.ann_file={ann_file}'
                 for split in ('train', 'val', 'test')]
    out = run_cmd([sys.executable, 'tools/train.py', probe_cfg, '--work-dir',
                   str(probe_dir), '--cfg-options', *data_opts,
                   'train_dataloader.batch_size=4',
                   f'model.backbone.init_cfg.checkpoint={pretrained}',
                   'train_cfg.val_interval=1', *one_epoch])
    log = out.stdout + out.stderr
    assert 'acc/top1' in log and 'acc/mean1' in log
    # the probe's encoder is the pretrained one, frozen ...
    source, probe = _state(pretrained), _state(probe_dir / 'epoch_1.pth')
    encoder = [k for k in probe if k.startswith('backbone.')]
    assert encoder
    for key in encoder:
        assert torch.equal(probe[key], source[prefix + key[9:]]), key
    # ... and only the non-affine BatchNorm + linear head were trained
    assert 'neck.bn.weight' not in probe and 'head.fc.weight' in probe
