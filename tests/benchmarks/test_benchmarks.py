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


def test_ssl_step_time_prints_each_model_and_ratios():
    proc = run_cmd([sys.executable, 'benchmarks/ssl_step_time.py',
                    '--steps', '2', '--warmup', '0', '--batch-size', '2',
                    '--variants', 'cross', 'joint'])
    summary = _last_json(proc.stdout)
    models = summary['models']
    names = list(models)
    assert names[0].startswith('S2IMAE:')
    assert [n.rsplit('[', 1)[-1] for n in names[1:]] == ['cross]', 'joint]']
    first = models[names[0]]['ms_per_step']
    for row in models.values():
        assert row['ms_per_step'] > 0
        assert row['ratio_to_first'] == pytest.approx(
            row['ms_per_step'] / first, abs=2e-3)
        assert row['images_per_s'] == pytest.approx(
            2000 / row['ms_per_step'], rel=0.01)
