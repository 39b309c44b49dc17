"""The embedded default demo (demo/s2i_demo.py), end to end in its quick
mode, and the schedule overrides it passes to the tools."""
import json
import os.path as osp
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader

from s2i_testing import REPO, load_script, run_tool

DEMO = osp.join(REPO, 'demo', 's2i_demo.py')


def _backbone(path):
    state = CheckpointLoader.load_checkpoint(str(path), 'cpu')['state_dict']
    return {k[len('backbone.'):]: v for k, v in state.items()
            if k.startswith('backbone.')}


def demo_module():
    return load_script(DEMO)


@pytest.fixture(scope='module')
def demo():
    return demo_module()


@pytest.mark.e2e
def test_quick_demo_end_to_end(tmp_path):
    work = tmp_path / 'demo'
    proc = run_tool(DEMO, '--quick', '--algo', 'both', '--work-dir', work,
                    '--in-process')
    out = proc.stdout
    # the real tools ran, and their commands were shown
    for tool in ('tools/data/make_synthetic.py', 'tools/train.py',
                 'tools/test.py', 'tools/visualize_s2i.py',
                 'tools/analysis/visualize_mae.py'):
        assert f'python {tool}' in out, tool
    for config in demo_module().PRETRAIN_CFGS.values():
        assert f'python tools/train.py {config}' in out, config
    # the rich table with all encoders and the three metrics
    assert 'Linear probe on the held-out synthetic val split' in out
    for text in ('MAE-pretrained', 'DiffMAE-pretrained', 'random init',
                 'DiffMAE - random', 'top-1', 'top-5', 'mean class acc'):
        assert text in out, text
    # PNGs: one S2I figure per drawn sample, the MAE and DiffMAE grids
    assert len(list((work / 's2i_png').glob('*_s2i.png'))) == 2
    assert (work / 'mae_png' / 'mae_reconstruction.png').stat().st_size
    assert (work / 'diffmae_png' / 'diffmae_inpainting.png').stat().st_size
    for algo in ('mae', 'diffmae'):
        assert len(list((work / f'{algo}_png').glob('sample_*.png'))) == 2
    # the last line is the summary, also written to results.json
    last = json.loads(out.strip().splitlines()[-1])
    names = ('mae', 'diffmae', 'random_init')
    assert json.loads((work / 'results.json').read_text()) == last
    for name in names:
        assert last[f'{name}_top1'] <= last[f'{name}_top5'], name
        # the figures are the ones tools/test.py logged for each probe
        logged = json.loads(
            next((work / f'test_{name}').glob('*/*.json')).read_text()
            .strip().splitlines()[-1])
        assert last[f'{name}_top1'] == round(100 * logged['acc/top1'], 2)
        assert last[f'{name}_mean_class_acc'] == round(
            100 * logged['acc/mean1'], 2)
    assert 0 < last['mae_pretrain_s'] < last['wall_time_s']
    assert 0 < last['diffmae_pretrain_s'] < last['wall_time_s']
    # the probes ran the same schedule on the same data
    logs = work / 'logs'
    for name in names:
        log = (logs / f'probe_{name}.log').read_text()
        assert 'Epoch(train) [2]' in log
        assert ('load backbone. in model from' in log) == (
            name != 'random_init')
    assert 'loss:' in (logs / 'diffmae_pretrain.log').read_text()
    # the pretrained encoders are the ones the probes used: every weight of
    # the pretrained backbone is loaded (and stayed frozen); only ln2, the
    # norm of the mean-pooled feature that pretraining does not have, is new
    rand = _backbone(work / 'probe_random_init' / 'epoch_2.pth')
    for algo in ('mae', 'diffmae'):
        pre = _backbone(work / f'{algo}_pretrain' / 'epoch_2.pth')
        probe = _backbone(work / f'probe_{algo}' / 'epoch_2.pth')
        assert set(probe) - set(pre) == {'ln2.weight', 'ln2.bias'}, algo
        assert all(torch.equal(probe[k], pre[k]) for k in pre), algo
        assert not any(torch.equal(rand[k], pre[k]) for k in pre
                       if k.startswith('layers.') and k.endswith('.weight'))
    # every probe scored every sample of the val split
    with open(work / 'data' / 'synthetic_ntu25.pkl', 'rb') as f:
        val = pickle.load(f)['split']['val']
    for name in names:
        with open(work / f'test_{name}' / 'scores.pkl', 'rb') as f:
            dump = pickle.load(f)
        assert sorted(dump['frame_dir']) == sorted(val)
        assert dump['scores'].shape == (len(val), 14)
        assert np.isfinite(dump['scores']).all()


def test_bad_arguments_fail_before_any_work(tmp_path):
    proc = run_tool(DEMO, '--pretrain-epochs', '1', '--work-dir',
                    tmp_path / 'w', check=False)
    assert proc.returncode == 2
    assert '--pretrain-epochs must be >= 2' in proc.stderr
    assert not (tmp_path / 'w').exists()


def test_diffmae_decoder_needs_diffmae(demo, capsys):
    # parsed in this process: were the check broken, nothing would start
    with pytest.raises(SystemExit) as err:
        demo.parse_args(['--diffmae-decoder', 'joint'])
    assert err.value.code == 2
    assert '--diffmae-decoder needs --algo diffmae' in capsys.readouterr().err
    assert demo.parse_args(['--algo', 'both', '--diffmae-decoder',
                            'cross']).diffmae_decoder == 'cross'


def test_plan_for_diffmae_and_its_decoder(demo, tmp_path):
    args = demo.parse_args(['--algo', 'diffmae', '--diffmae-decoder',
                            'joint', '--work-dir', str(tmp_path / 'w')])
    plan = demo.build_plan(args)
    steps = {step.title: step.cmd for lane in plan.lanes for step in lane}
    pretrain = steps['DiffMAE pretraining']
    assert demo.PRETRAIN_CFGS['diffmae'] in pretrain
    assert 'model.neck.variant=joint' in pretrain
    assert 'model.neck.variant=joint' in steps[
        'DiffMAE reconstruction PNGs']
    assert 'MAE pretraining' not in steps
    # the probe reads the DiffMAE checkpoint; random init runs beside it
    assert any('diffmae_pretrain/epoch_500.pth' in word
               for word in steps['linear probe (diffmae)'])
    assert [s.title for s in plan.lanes[1]][0] == 'linear probe (random_init)'


@pytest.mark.parametrize('algo', ['mae', 'diffmae'])
@pytest.mark.parametrize('epochs', [2, 7, 300])
def test_schedule_options_move_the_whole_schedule(demo, epochs, algo):
    config = osp.join(REPO, demo.PRETRAIN_CFGS[algo])
    cfg = Config.fromfile(config)
    cfg.merge_from_dict(demo.fit_schedule(config, epochs))
    warmup, cosine = cfg.param_scheduler
    assert cfg.train_cfg.max_epochs == epochs == cosine.end
    assert 1 <= warmup.end == cosine.begin < epochs
    assert cosine.T_max == epochs - cosine.begin
    assert cfg.default_hooks.checkpoint.interval == epochs


def test_pick_samples_spreads_over_classes(demo, tmp_path):
    from s2i_mm.datasets.synthetic import generate
    from s2i_mm.fileio import dump_annotation_file
    data = generate(num_per_class=3, seed=0, formats=('ntu25', ))['ntu25']
    path = str(tmp_path / 'syn.pkl')
    dump_annotation_file(data, path)
    names = demo.pick_samples(path, 4)
    val = set(data['split']['val'])
    labels = {a['frame_dir']: a['label'] for a in data['annotations']}
    assert len(names) == 4 and set(names) <= val
    assert len({labels[n] for n in names}) == 4
