"""The embedded default demo (demo/s2i_demo.py), end to end in its quick
mode, and the schedule overrides it passes to the tools."""
import importlib.util
import json
import os.path as osp
import pickle
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader

from s2i_testing import REPO, run_cmd

DEMO = osp.join(REPO, 'demo', 's2i_demo.py')


def _backbone(path):
    state = CheckpointLoader.load_checkpoint(str(path), 'cpu')['state_dict']
    return {k[len('backbone.'):]: v for k, v in state.items()
            if k.startswith('backbone.')}


@pytest.fixture(scope='module')
def demo():
    spec = importlib.util.spec_from_file_location('s2i_demo', DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_demo_end_to_end(tmp_path):
    work = tmp_path / 'demo'
    proc = run_cmd([sys.executable, DEMO, '--quick', '--work-dir',
                    str(work)], timeout=600)
    out = proc.stdout
    # the real tools ran, and their commands were shown
    for tool in ('tools/data/make_synthetic.py', 'tools/train.py',
                 'tools/test.py', 'tools/visualize_s2i.py',
                 'tools/analysis/visualize_mae.py'):
        assert f'python {tool}' in out, tool
    # the rich table with both encoders and the three metrics
    assert 'Linear probe on the held-out synthetic val split' in out
    for text in ('MAE-pretrained (SSL)', 'random init', 'top-1', 'top-5',
                 'mean class acc'):
        assert text in out, text
    # PNGs: one S2I figure per drawn sample, the MAE grid and its rows
    assert len(list((work / 's2i_png').glob('*_s2i.png'))) == 2
    assert (work / 'mae_png' / 'mae_reconstruction.png').stat().st_size
    assert len(list((work / 'mae_png').glob('sample_*.png'))) == 2
    # the last line is the summary, also written to results.json, with the
    # figures tools/test.py logged for each probe
    last = json.loads(out.strip().splitlines()[-1])
    assert json.loads((work / 'results.json').read_text()) == last
    for name in ('ssl', 'random_init'):
        logged = json.loads(
            next((work / f'test_{name}').glob('*/*.json')).read_text()
            .strip().splitlines()[-1])
        for key, metric in (('top1', 'acc/top1'), ('top5', 'acc/top5')):
            assert last[f'{name}_{key}'] == round(100 * logged[metric], 2)
    # the pretrained encoder is the one the SSL probe used: every weight of
    # the MAE backbone is loaded (and stayed frozen); only ln2, the norm of
    # the mean-pooled feature that MAE pretraining does not have, is new
    mae = _backbone(work / 'mae_pretrain' / 'epoch_2.pth')
    ssl = _backbone(work / 'probe_ssl' / 'epoch_2.pth')
    rand = _backbone(work / 'probe_random_init' / 'epoch_2.pth')
    assert set(ssl) - set(mae) == {'ln2.weight', 'ln2.bias'}
    assert all(torch.equal(ssl[k], mae[k]) for k in mae)
    assert not any(torch.equal(rand[k], mae[k]) for k in mae
                   if k.startswith('layers.') and k.endswith('.weight'))
    # both probes scored every sample of the val split
    with open(work / 'data' / 'synthetic_ntu25.pkl', 'rb') as f:
        val = pickle.load(f)['split']['val']
    for name in ('ssl', 'random_init'):
        with open(work / f'test_{name}' / 'scores.pkl', 'rb') as f:
            dump = pickle.load(f)
        assert sorted(dump['frame_dir']) == sorted(val)
        assert dump['scores'].shape == (len(val), 14)
        assert np.isfinite(dump['scores']).all()


def test_bad_arguments_fail_before_any_work(tmp_path):
    proc = run_cmd([sys.executable, DEMO, '--pretrain-epochs', '1',
                    '--work-dir', str(tmp_path / 'w')], check=False)
    assert proc.returncode == 2
    assert '--pretrain-epochs must be >= 2' in proc.stderr
    assert not (tmp_path / 'w').exists()


@pytest.mark.parametrize('epochs', [2, 7, 300])
def test_schedule_options_move_the_whole_schedule(demo, epochs):
    cfg = Config.fromfile(osp.join(REPO, demo.PRETRAIN_CFG))
    cfg.merge_from_dict(demo.schedule_options(epochs, 0.1))
    warmup, cosine = cfg.param_scheduler
    assert cfg.train_cfg.max_epochs == epochs == cosine.end
    assert 1 <= warmup.end == cosine.begin < epochs
    assert cosine.T_max == epochs - cosine.begin
    assert cfg.default_hooks.checkpoint.interval == epochs


def test_pick_samples_spreads_over_classes(demo, tmp_path):
    from s2i_mm.datasets import dump_annotation_file
    from s2i_mm.datasets.synthetic import generate
    data = generate(num_per_class=3, seed=0, formats=('ntu25', ))['ntu25']
    path = str(tmp_path / 'syn.pkl')
    dump_annotation_file(data, path)
    names = demo.pick_samples(path, 4)
    val = set(data['split']['val'])
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    assert len(names) == 4 and set(names) <= val
    assert len({labels[n] for n in names}) == 4
