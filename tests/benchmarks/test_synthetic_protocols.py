"""benchmarks/synthetic_protocols.py: its subject splits keep pretraining,
probing, weight search and testing apart, and every step names a config
that exists (the run itself takes an hour; ``--quick`` is its smoke run)."""
import os.path as osp
import pickle
import re

import pytest

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import REPO, load_script


@pytest.fixture(scope='module')
def bench():
    return load_script('benchmarks/synthetic_protocols.py')


def test_splits_are_disjoint_simulated_subjects(bench, tmp_path):
    data = generate(num_per_class=6, seed=0, formats=('kinect20', ))
    source = str(tmp_path / 'synthetic_kinect20.pkl')
    dump_annotation_file(data['kinect20'], source)
    out = str(tmp_path / 'protocol.pkl')
    sizes = bench.split_by_subject(source, out)
    with open(out, 'rb') as f:
        split = pickle.load(f)['split']
    assert sizes == {name: len(v) for name, v in split.items()}
    assert sum(sizes.values()) == len(data['kinect20']['annotations'])
    subjects = {name: {int(re.match(r'S(\d+)', n).group(1)) for n in v}
                for name, v in split.items()}
    for name, found in subjects.items():
        assert found and found <= set(bench.SUBJECTS[name]), name
    names = list(split)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert not subjects[a] & subjects[b], (a, b)


def test_every_step_runs_a_tool_on_an_existing_config(bench):
    plan = bench.Plan(bench.parse_args(['--quick']))
    plan.make_data()
    plan.sizes = {'pretrain': 10}
    results = plan.build()
    configs = {word for step in plan.steps for word in step.cmd
               if str(word).startswith('configs/')}
    assert configs == {*bench.PRETRAIN.values(), *bench.PROBE.values()}
    for config in configs:
        assert osp.isfile(osp.join(REPO, config)), config
    assert set(results) == {'streams', 'cross', 'universal'}
    # pretraining reads the pretraining subjects only, probes the others
    for step in plan.steps:
        words = ' '.join(map(str, step.cmd))
        if 'MAE pretraining' in step.title:
            assert 'split=pretrain' in words and 'probe_' not in words
        elif 'linear probe' in step.title:
            assert 'split=probe_train' in words
            assert 'split=pretrain' not in words
