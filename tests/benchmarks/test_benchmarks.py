"""The benchmark scripts run end to end on tiny inputs and print what
their documentation promises (the figures themselves are machine-bound
and not asserted)."""
import json
import re
import sys

import pytest

from s2i_testing import run_cmd


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_s2i_pipeline_prints_timings_and_ratios():
    proc = run_cmd([sys.executable, 'benchmarks/s2i_pipeline.py',
                    '--samples', '3', '--repeats', '1'])
    timings = dict(
        (name, float(us)) for name, us in re.findall(
            r'^(\w+)\s+([\d.]+) us/sample$', proc.stdout, re.MULTILINE))
    for name in ('a_s2i_pipeline', 'b_mmaction2_gcn_pipeline',
                 'c_memcpy_224x224x3_f32', 'a_with_S2IEncode_size_None',
                 'cv2_resize_grid_to_224x224'):
        assert timings[name] > 0, name
    summary = _last_json(proc.stdout)
    assert summary['samples'] == 3 and summary['repeats'] == 1
    a, b, c = (timings['a_s2i_pipeline'],
               timings['b_mmaction2_gcn_pipeline'],
               timings['c_memcpy_224x224x3_f32'])
    assert summary['speedup_vs_mmaction2'] == pytest.approx(b / a, rel=0.02)
    assert summary['ratio_vs_memcpy'] == pytest.approx(a / c, rel=0.02)


def test_s2i_pipeline_floor_checks_its_kernels_and_prints_ratios():
    # the script asserts its bare kernels give S2IEncode's image bit for bit
    proc = run_cmd([sys.executable, 'benchmarks/s2i_pipeline_floor.py',
                    '--samples', '4', '--repeats', '1'])
    summary = _last_json(proc.stdout)
    for name in ('a_s2i_pipeline', 'a_bare_kernels',
                 'a_fixed_upstream_and_resize'):
        assert summary[f'{name}_over_c'] > 0, name
    assert summary['samples'] == 4


def test_dataset_memory_measures_both_backings():
    proc = run_cmd([sys.executable, 'benchmarks/dataset_memory.py',
                    '--num-samples', '60', '--workers', '1', '2'],
                   timeout=300)
    summary = _last_json(proc.stdout)
    for key in ('pkl_1w_mib', 'pkl_2w_mib', 'store_1w_mib',
                'store_2w_mib'):
        assert summary[key] > 0, key
    assert summary['store_2w_over_1w'] == pytest.approx(
        summary['store_2w_mib'] / summary['store_1w_mib'], abs=0.01)


def test_ssl_peers_runs_the_tools_and_prints_measured_ratios(tmp_path):
    work = tmp_path / 'peers'
    proc = run_cmd([sys.executable, 'benchmarks/ssl_peers.py', '--quick',
                    '--methods', 's2i', 'skeletonmae', '--work-dir',
                    str(work)], timeout=900)
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
    # the ratios are computed from the rows of the same run
    for key, base in (('s2i_mae_random', 's2i_random_init'),
                      ('s2i_mae_motion_tube', 's2i_random_init'),
                      ('skeletonmae', 'skeletonmae_random_init')):
        row = rows[key]
        assert row['top1_gain'] == pytest.approx(
            row['acc/top1'] - rows[base]['acc/top1'], abs=0.01)
        assert row['encoder_params'] == rows[base]['encoder_params']
        assert row['pretrain_cpu_s'] > 0 and row['pretrain_wall_s'] > 0
        assert row['cpu_vs_s2i_mae'] == pytest.approx(
            row['pretrain_cpu_s'] / rows['s2i_mae_random']['pretrain_cpu_s'],
            abs=0.01)
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
