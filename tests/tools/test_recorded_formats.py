"""A dataset of a layout s2i_mm does not know, whose annotation file records
the layout's name, its spec path, or nothing: tools/train.py,
tools/test.py, tools/visualize_s2i.py and inference_skeleton read each
(s2i_mm.formats.format_reference has the rule). Every tool runs in a fresh
process, where only what the run names or imports is registered."""
import os
import sys

import numpy as np
import pytest
from mocap30_layout import (
    mocap_annotations,
    write_plugin_module,
    write_yaml_spec,
)

from s2i_mm.apis import inference_skeleton
from s2i_mm.apis.tool_jobs import read_test_metrics

from s2i_testing import FIXTURES, REPO, run_cmds

pytestmark = pytest.mark.e2e  # every tool runs in a fresh process

CLASSIFIER = f'{FIXTURES}/configs/tiny_s2i_classifier.py'
NAME = 'mocap30_recorded'
VARIANTS = ('name', 'spec', 'none')


def loader_options(ann_file, fmt, cache):
    """--cfg-options for train and val only: the test loader is the val
    loader in the config, and the tools carry the override over."""
    return [f'{loader}.dataset.{key}={value}'
            for loader in ('train_dataloader', 'val_dataloader')
            for key, value in (('ann_file', ann_file),
                               ('skeleton_format', fmt),
                               ('cache', cache))]


def tool(script, *args):
    return [sys.executable, f'tools/{script}', *map(str, args)]


@pytest.fixture(scope='module')
def runs(tmp_path_factory):
    root = tmp_path_factory.mktemp('recorded')
    (root / 'data').mkdir()
    (root / 'plugins').mkdir()
    spec = write_yaml_spec(root / 'data' / 'mocap30.yaml', NAME)
    write_plugin_module(root / 'plugins', 'mocap30_plugin', NAME)
    plugin_cfg = root / 'plugin_cfg.py'
    plugin_cfg.write_text(
        f'_base_ = [{CLASSIFIER!r}]\ncustom_imports = dict(imports='
        "['mocap30_plugin'], allow_failed_imports=False)\n")
    files = dict(
        name=mocap_annotations(root / 'data' / 'by_name.pkl', recorded=NAME),
        spec=mocap_annotations(root / 'data' / 'by_spec.pkl',
                               recorded='mocap30.yaml'),
        none=mocap_annotations(root / 'data' / 'bare.pkl'))
    # (train config, given format, cache) and the same for the test run:
    # the name a plugin module registers, a spec path, or nothing given
    plan = dict(
        name=((plugin_cfg, None, True), (CLASSIFIER, spec, False)),
        spec=((CLASSIFIER, None, False), (CLASSIFIER, NAME, True)),
        none=((CLASSIFIER, spec, True), (CLASSIFIER, spec, False)))
    common = ['model.head.num_classes=3', 'train_cfg.by_epoch=True',
              'train_cfg.max_epochs=1', 'optim_wrapper.optimizer.type=SGD',
              'optim_wrapper.optimizer.lr=0.01']
    vis = dict(
        name=[['--custom-imports', 'mocap30_plugin'],
              ['--skeleton-format', spec]],
        spec=[[], ['--skeleton-format', NAME]],
        none=[['--skeleton-format', spec]],
        unknown=[[]])  # the name, and nothing to resolve it: an error
    env = dict(PYTHONPATH=os.pathsep.join(
        [str(root / 'plugins'), FIXTURES, REPO,
         os.environ.get('PYTHONPATH', '')]))
    cmds, keys = [], []
    for variant in VARIANTS:
        config, fmt, cache = plan[variant][0]
        keys.append(('train', variant))
        cmds.append(tool('train.py', config, '--work-dir',
                         root / f'train_{variant}', '--cfg-options',
                         *loader_options(files[variant], fmt, cache),
                         *common))
    for variant, option_sets in vis.items():
        ann_file = files['name' if variant == 'unknown' else variant]
        for i, options in enumerate(option_sets):
            keys.append(('vis', variant, i))
            cmds.append(tool('visualize_s2i.py', ann_file, '--samples', '0',
                             '--modalities', 'j', '--size', 32, 32,
                             '--out-dir', root / f'vis_{variant}_{i}',
                             *options))
    results = dict(zip(keys, run_cmds(cmds, env=env)))
    cmds, keys = [], []
    for variant in VARIANTS:
        config, fmt, cache = plan[variant][1]
        keys.append(('test', variant))
        cmds.append(tool('test.py', config,
                         root / f'train_{variant}' / 'epoch_1.pth',
                         '--work-dir', root / f'test_{variant}',
                         '--cfg-options',
                         *loader_options(files[variant], fmt, cache),
                         *common))
    results.update(zip(keys, run_cmds(cmds, env=env)))
    return root, files, spec, results


def ok(proc):
    assert proc.returncode == 0, (
        f'{proc.args} exited {proc.returncode}\n{proc.stdout[-3000:]}\n'
        f'{proc.stderr[-5000:]}')
    return proc


@pytest.mark.parametrize('variant', VARIANTS)
def test_train_and_test_read_the_recorded_layout(runs, variant):
    root, files, spec, results = runs
    ok(results[('train', variant)])
    assert (root / f'train_{variant}' / 'epoch_1.pth').is_file()
    test = ok(results[('test', variant)])
    assert 'also set for test_dataloader' in test.stderr
    metrics = read_test_metrics(str(root / f'test_{variant}'))
    assert set(metrics) >= {'acc/top1', 'acc/top5'}
    assert f'{root}/data' in test.stdout + test.stderr  # its data, logged


@pytest.mark.parametrize('variant,count', [('name', 2), ('spec', 2),
                                           ('none', 1)])
def test_visualize_s2i_draws_every_variant(runs, variant, count):
    root, files, spec, results = runs
    for i in range(count):
        ok(results[('vis', variant, i)])
        assert (root / f'vis_{variant}_{i}' / 'mocap_000_s2i.png').is_file()


def test_an_unresolvable_recorded_name_is_one_clear_error(runs):
    root, files, spec, results = runs
    proc = results[('vis', 'unknown', 0)]
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith('error: ') and 'by_name.pkl' in last
    assert f"unknown skeleton format '{NAME}'" in last
    assert '--custom-imports' in last and '--skeleton-format' in last
    assert not (root / 'vis_unknown_0' / 'mocap_000_s2i.png').exists()


def test_inference_reads_every_variant(runs):
    root, files, spec, results = runs
    ckpt = str(root / 'train_none' / 'epoch_1.pth')
    config = root / 'three_classes.py'  # naming no format
    config.write_text(f'_base_ = [{CLASSIFIER!r}]\n'
                      'model = dict(head=dict(num_classes=3))\n'
                      'test_dataloader = dict(dataset=dict('
                      'skeleton_format=None))\n')
    plugin_config = root / 'three_classes_plugin.py'
    plugin_config.write_text(
        f'_base_ = [{str(config)!r}]\ncustom_imports = dict(imports='
        "['mocap30_plugin'], allow_failed_imports=False)\n")
    config = str(config)
    from s2i_mm.fileio.annotation import read_pickle
    keypoint = read_pickle(files['none'])['annotations'][2]['keypoint']
    reference = inference_skeleton(config, keypoint, checkpoint=ckpt,
                                   format=spec).scores
    for variant, given in (('name', spec), ('spec', None), ('spec', NAME),
                           ('none', spec)):
        pred = inference_skeleton(config, files[variant], checkpoint=ckpt,
                                  format=given, sample=2)
        np.testing.assert_allclose(pred.scores, reference, atol=1e-6)
    # the name, resolved by the plugin the model's config imports
    sys.path.insert(0, str(root / 'plugins'))
    try:
        pred = inference_skeleton(str(plugin_config), files['name'],
                                  checkpoint=ckpt, sample=2)
    finally:
        sys.path.remove(str(root / 'plugins'))
    np.testing.assert_allclose(pred.scores, reference, atol=1e-6)
    # nothing given and nothing recorded; a config naming another layout
    with pytest.raises(ValueError, match='does not record its skeleton'):
        inference_skeleton(config, files['none'], checkpoint=ckpt, sample=2)
    with pytest.raises(ValueError, match="holds 'mocap30.yaml'.*'ntu25'"):
        inference_skeleton(CLASSIFIER, files['spec'], sample=2)
    # another layout of 30 joints is refused, not silently used
    with pytest.raises(ValueError, match="holds 'mocap30.yaml'"):
        inference_skeleton(config, files['spec'], checkpoint=ckpt, sample=2,
                           format=write_yaml_spec(root / 'other.yaml',
                                                  'mocap30_other'))
