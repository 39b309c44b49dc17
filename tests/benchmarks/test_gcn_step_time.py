"""benchmarks/gcn_step_time.py runs end to end on a tiny batch and prints
the figures its documentation promises (not asserted: machine-bound)."""
import json
import math

from s2i_testing import run_tool


def test_gcn_step_time_prints_per_sample_times_and_ratios():
    proc = run_tool('benchmarks/gcn_step_time.py', '--steps', '1',
                    '--warmup', '0', '--batch-size', '2')
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary['batch_size'] == 2 and summary['threads'] == 1
    models = summary['models']
    vit, gcn = list(models)
    assert vit.startswith('vit-w128-p8_scratch') and gcn.startswith(
        'stgcnpp_')
    # each model got its own pipeline's input: the S2I image, the GCN's
    # [clips, persons, T, V, C] with the recipe's 32 frames of 20 joints
    assert models[vit]['input_shape'] == [3, 32, 32]
    assert models[gcn]['input_shape'] == [1, 1, 32, 20, 3]
    assert models[vit]['step_ratio_to_first'] == 1.0
    for row in models.values():
        assert row['step_ms_per_sample'] > 0 and row['data_ms_per_sample'] > 0
        assert row['params'] > 0
        assert math.isfinite(row['last_loss'])  # the steps trained
