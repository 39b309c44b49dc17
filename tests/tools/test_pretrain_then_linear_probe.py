"""A tiny S2I MAE pretraining, then a linear probe of its encoder, both
through tools/dist_train.sh with 2 CPU processes; the same chain for a
tiny DiffMAE through tools/train.py."""

import pytest
import torch
from mmengine.runner import CheckpointLoader

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import FIXTURES, free_port, run_cmd, run_tool


def _weights(path):
    return CheckpointLoader.load_checkpoint(
        str(path), map_location='cpu')['state_dict']


@pytest.mark.e2e
def test_dist_pretrain_then_linear_probe(tmp_path):
    ann_file = str(tmp_path / 'synthetic.pkl')
    data = generate(num_per_class=2, seed=0, formats=('ntu25', ))['ntu25']
    dump_annotation_file(data, ann_file)
    data_opts = [f'train_dataloader.dataset.ann_file={ann_file}',
                 f'val_dataloader.dataset.ann_file={ann_file}',
                 f'test_dataloader.dataset.ann_file={ann_file}']

    mae_dir = tmp_path / 'mae'
    run_cmd(['bash', 'tools/dist_train.sh',
             f'{FIXTURES}/configs/tiny_s2i_mae.py', '2', '--work-dir',
             str(mae_dir), '--cfg-options', data_opts[0]],
            env=dict(PORT=str(free_port())))
    pretrained = mae_dir / 'epoch_2.pth'
    mae = _weights(pretrained)

    probe_dir = tmp_path / 'probe'
    out = run_cmd(['bash', 'tools/dist_train.sh',
                   f'{FIXTURES}/configs/tiny_s2i_linear.py', '2',
                   '--work-dir', str(probe_dir), '--cfg-options',
                   *data_opts,
                   f'model.backbone.init_cfg.checkpoint={pretrained}'],
                  env=dict(PORT=str(free_port())))
    log = out.stdout + out.stderr
    assert 'acc/top1' in log and 'acc/mean1' in log
    probe = _weights(probe_dir / 'epoch_2.pth')
    # the frozen encoder is exactly the pretrained one ...
    encoder = [k for k in probe if k.startswith('backbone.layers.')]
    assert encoder
    for key in encoder:
        assert torch.equal(probe[key], mae[key]), key
    # ... and the BatchNorm before the linear layer is not affine
    assert 'neck.bn.weight' not in probe and 'neck.bn.running_mean' in probe


@pytest.mark.e2e
def test_diffmae_pretrain_then_linear_probe(tmp_path):
    """tools/train.py: a tiny DiffMAE (bf16 autocast on the CPU), then a
    linear probe whose frozen encoder is the DiffMAE encoder."""
    ann_file = str(tmp_path / 'synthetic.pkl')
    data = generate(num_per_class=2, seed=0, formats=('ntu25', ))['ntu25']
    dump_annotation_file(data, ann_file)
    pretrain_dir = tmp_path / 'diffmae'
    out = run_tool('tools/train.py', f'{FIXTURES}/configs/tiny_s2i_diffmae.py',
                   '--work-dir', pretrain_dir, '--amp', '--cfg-options',
                   f'train_dataloader.dataset.ann_file={ann_file}')
    assert 'loss:' in out.stdout + out.stderr
    pretrained = pretrain_dir / 'epoch_2.pth'
    diffmae = _weights(pretrained)
    assert any(k.startswith('neck.decoder_blocks.0.cross_attn') for k in
               diffmae)

    probe_dir = tmp_path / 'probe'
    out = run_tool('tools/train.py', f'{FIXTURES}/configs/tiny_s2i_linear.py',
                   '--work-dir', probe_dir, '--cfg-options',
                   *(f'{split}_dataloader.dataset.ann_file={ann_file}'
                     for split in ('train', 'val', 'test')),
                   f'model.backbone.init_cfg.checkpoint={pretrained}')
    log = out.stdout + out.stderr
    assert 'acc/top1' in log
    assert 'unexpected key' not in log
    # only the pooled-feature LayerNorm of out_type='avg_featmap' is new
    missing = [line for line in log.splitlines() if 'missing keys' in line]
    assert all(line.split('state_dict:')[1].strip() == 'ln2.weight, ln2.bias'
               for line in missing), missing
    probe = _weights(probe_dir / 'epoch_2.pth')
    # the probe's backbone: the DiffMAE encoder plus the pooled-feature norm
    encoder = [k for k in probe if k.startswith('backbone.')
               and not k.startswith('backbone.ln2.')]
    assert len(encoder) == len(
        [k for k in diffmae if k.startswith('backbone.')])
    for key in encoder:
        assert torch.equal(probe[key], diffmae[key]), key
