"""The benchmark scripts run end to end on tiny inputs and print the keys
their documentation promises (the figures are machine-bound and not
asserted)."""
import json
import re
import sys

from s2i_testing import run_cmd


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


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


def test_dataset_memory_measures_both_backings():
    proc = run_cmd([sys.executable, 'benchmarks/dataset_memory.py',
                    '--num-samples', '60', '--workers', '1', '2'],
                   timeout=300)
    summary = _last_json(proc.stdout)
    for key in ('pkl_1w_mib', 'pkl_2w_mib', 'store_1w_mib',
                'store_2w_mib', 'store_2w_over_1w'):
        assert summary[key] > 0, key


def test_ssl_step_time_prints_each_model_and_ratios():
    proc = run_cmd([sys.executable, 'benchmarks/ssl_step_time.py',
                    '--steps', '2', '--warmup', '0', '--batch-size', '2',
                    '--variants', 'cross', 'joint'])
    summary = _last_json(proc.stdout)
    models = summary['models']
    names = list(models)
    assert names[0].startswith('S2IMAE:')
    assert [n.rsplit('[', 1)[-1] for n in names[1:]] == ['cross]', 'joint]']
    for row in models.values():
        assert row['ms_per_step'] > 0
