"""The benchmark scripts run end to end on tiny inputs and print the keys
their documentation promises (the figures are machine-bound and not
asserted)."""
import json
import re
import sys

import pytest

from s2i_testing import run_cmd, run_tool


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.e2e
def test_s2i_pipeline_prints_both_modes():
    proc = run_cmd([sys.executable, 'benchmarks/s2i_pipeline.py',
                    '--samples', '2', '--repeats', '1'])
    timed = re.findall(r'^(\w+) +[\d.]+ us/sample$', proc.stdout,
                       re.MULTILINE)
    assert {'cpu_resize', 'device_resize', 'mmaction2_gcn',
            'upto_S2IEncode'} <= set(timed)
    summary = _last_json(proc.stdout)
    assert summary['samples'] == 2 and summary['repeats'] == 1
    for mode in ('cpu_resize', 'device_resize'):
        for key in ('us', 'bytes', 'input_shape'):
            assert f'{mode}_{key}' in summary
        assert f'speedup_vs_mmaction2_{mode}' in summary
    # what each mode hands to the model: the image, or the T x J grid
    assert summary['cpu_resize_input_shape'] == [3, 224, 224]
    assert summary['device_resize_input_shape'] == [3, 100, 50]
    assert summary['cpu_resize_bytes'] == 3 * 224 * 224 * 4


@pytest.mark.e2e
def test_dataset_memory_measures_both_backings():
    proc = run_cmd([sys.executable, 'benchmarks/dataset_memory.py',
                    '--num-samples', '60', '--workers', '1', '2'],
                   timeout=300)
    summary = _last_json(proc.stdout)
    for key in ('pkl_1w_mib', 'pkl_2w_mib', 'store_1w_mib',
                'store_2w_mib', 'store_2w_over_1w'):
        assert summary[key] > 0, key


def test_ssl_step_time_prints_each_model_and_ratios():
    proc = run_tool('benchmarks/ssl_step_time.py', '--steps', '2',
                    '--warmup', '0', '--batch-size', '2', '--variants',
                    'cross', 'joint')
    summary = _last_json(proc.stdout)
    models = summary['models']
    names = list(models)
    assert names[0].startswith('S2IMAE:')
    assert [n.rsplit('[', 1)[-1] for n in names[1:]] == ['cross]', 'joint]']
    for row in models.values():
        assert row['ms_per_step'] > 0


@pytest.mark.e2e
def test_ssl_peers_runs_the_tools_and_prints_measured_ratios(tmp_path):
    work = tmp_path / 'peers'
    proc = run_tool('benchmarks/ssl_peers.py', '--quick', '--methods', 's2i',
                    'skeletonmae', '--work-dir', work, '--in-process')
    out = proc.stdout
    for tool in ('tools/data/make_synthetic.py', 'tools/train.py',
                 'tools/test.py'):
        assert f'python {tool}' in out, tool
    assert 'skeleton2vec' not in out  # only the families asked for
    summary = _last_json(out)
    rows = summary['rows']
    assert sorted(rows) == ['s2i_mae_motion_tube', 's2i_mae_random',
                            's2i_random_init', 'skeletonmae',
                            'skeletonmae_random_init']
    # held-out subjects, checked by the script
    train, val = summary['subjects']['train'], summary['subjects']['val']
    assert train and val and not set(train) & set(val)
    # every figure is the one tools/test.py logged for that probe
    for key, row in rows.items():
        logged = json.loads(next((work / key / 'test').glob('*/*.json'))
                            .read_text().strip().splitlines()[-1])
        assert row['acc/top1'] == pytest.approx(100 * logged['acc/top1'])
        assert row['encoder_params'] > 0
    # each pretrained encoder is compared with its own random init
    for key, base in (('s2i_mae_random', 's2i_random_init'),
                      ('s2i_mae_motion_tube', 's2i_random_init'),
                      ('skeletonmae', 'skeletonmae_random_init')):
        row = rows[key]
        assert row['encoder_params'] == rows[base]['encoder_params']
        assert row['pretrain_cpu_s'] > 0 and row['pretrain_wall_s'] > 0
    # the same epochs for every pretraining and every probe
    logs = [f'{key}_probe.log' for key in rows] + [
        f'{key}_pretrain.log' for key in rows if 'random_init' not in key]
    for name in logs:
        text = (work / 'logs' / name).read_text()
        assert re.search(r'Epoch\(train\)\s*\[2\]', text), name
        assert not re.search(r'Epoch\(train\)\s*\[3\]', text), name
    assert summary['steps_cpu_s'] >= sum(
        r.get('pretrain_cpu_s', 0) for r in rows.values())
    assert json.loads((work / 'results.json').read_text()) == summary
