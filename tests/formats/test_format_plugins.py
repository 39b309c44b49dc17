"""New layouts from outside s2i_mm: custom_imports modules, spec files,
and a 30-joint mocap layout trained for one step through tools/train.py."""
import json

import numpy as np
import pytest
from mocap30_layout import (
    MOCAP30_ORDER,
    mocap_annotations,
    mocap_spec,
    write_plugin_module,
    write_yaml_spec,
)

from s2i_mm.formats import (
    FORMATS,
    SkeletonFormat,
    SkeletonFormatError,
    get_format,
    load_format_spec,
    register_format,
)

from s2i_testing import run_tool
from tiny_models import tiny_vit_cfg


def test_mocap30_derived_order_from_a_yaml_spec(tmp_path):
    fmt = get_format(write_yaml_spec(tmp_path / 'mocap30.yaml',
                                     'mocap30_yaml'))
    assert fmt.num_joints == 30
    assert fmt.s2i_order == MOCAP30_ORDER
    assert fmt.center == 0
    # registered under its name, so samples tagged with it resolve
    assert get_format('mocap30_yaml') is fmt


def test_python_spec_file_equals_yaml_spec(tmp_path):
    spec = mocap_spec('mocap30_py')
    lines = [f'{key} = {value!r}' for key, value in spec.items()]
    (tmp_path / 'mocap30.py').write_text('\n'.join(lines) + '\n')
    fmt = load_format_spec(str(tmp_path / 'mocap30.py'))
    assert fmt == SkeletonFormat(**spec)
    assert fmt.s2i_order == MOCAP30_ORDER


def test_inline_spec_dict():
    fmt = get_format(mocap_spec('mocap30_inline'))
    assert fmt.s2i_order == MOCAP30_ORDER


def test_custom_imports_registers_a_format(tmp_path, monkeypatch):
    from mmengine.config import Config
    write_plugin_module(tmp_path, 's2i_test_plugin_formats',
                        'mocap30_plugin')
    monkeypatch.syspath_prepend(str(tmp_path))
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['s2i_test_plugin_formats'], "
        'allow_failed_imports=False)\n')
    Config.fromfile(str(cfg_file))  # imports the module
    assert get_format('mocap30_plugin').s2i_order == MOCAP30_ORDER
    assert 'mocap30_plugin' in FORMATS


def test_registry_conflicts_and_errors(tmp_path):
    spec = mocap_spec('mocap30_conflict')
    register_format(SkeletonFormat(**spec))
    register_format(SkeletonFormat(**spec))  # same definition: no-op
    spec['parts'] = ['torso'] * 30
    with pytest.raises(KeyError, match='different definition'):
        register_format(SkeletonFormat(**spec))
    with pytest.raises(TypeError, match='SkeletonFormat instances'):
        FORMATS.register_module(module=dict, name='not_a_format')
    with pytest.raises(SkeletonFormatError, match="Unknown skeleton format "
                       "'mocap31'.*ntu25"):
        get_format('mocap31')
    bad = tmp_path / 'bad.yaml'
    bad.write_text('name: bad\njoint_names: [a, b]\nparents: [null, a]\n')
    with pytest.raises(SkeletonFormatError, match=r'bad.yaml.*missing keys '
                       r"\['parts'\]"):
        load_format_spec(str(bad))
    cyclic = tmp_path / 'cyclic.yaml'
    cyclic.write_text('name: cyclic\njoint_names: [a, b, c]\n'
                      'parents: [null, c, b]\nparts: [torso, torso, torso]\n')
    with pytest.raises(SkeletonFormatError, match='cyclic.yaml.*cycle'):
        load_format_spec(str(cyclic))
    with pytest.raises(FileNotFoundError):
        get_format(str(tmp_path / 'missing.yaml'))


TRAIN_CONFIG = '''
{imports}
default_scope = 's2i_mm'
pipeline = [
    dict(type='FastUniformSampleFrames', clip_len=16),
    dict(type='PoseDecode'),
    dict(type='SkeletonModality', modalities=('j', 'b')),
    dict(type='S2IEncode', size=(32, 32)),
    # SkeletonDataset gives 'label'; mmpretrain's PackInputs reads
    # 'gt_label'
    dict(type='mmcv.KeyMapper', mapping=dict(gt_label='label'),
         auto_remap=False, transforms=[dict(type='mmpretrain.PackInputs')]),
]
train_dataloader = dict(
    batch_size=4, num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(type='SkeletonDataset', ann_file={ann_file!r},
                 split='train', skeleton_format={fmt!r}, cache=False,
                 pipeline=pipeline))
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(type='ClsDataPreprocessor', mean=[0.5] * 6,
                           std=[0.25] * 6, to_rgb=False),
    backbone={backbone!r},
    head=dict(type='LinearClsHead', num_classes=3,
              in_channels={backbone[arch][embed_dims]}))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.01))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=1)
default_hooks = dict(logger=dict(type='LoggerHook', interval=1),
                     checkpoint=dict(type='CheckpointHook', interval=1,
                                     by_epoch=False))
log_processor = dict(by_epoch=False)
randomness = dict(seed=0)
visualizer = dict(type='Visualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
'''


@pytest.mark.e2e
@pytest.mark.parametrize('how', ['spec_file', 'custom_imports'])
def test_mocap30_trains_one_step_with_tools_train(tmp_path, how,
                                                 monkeypatch):
    ann_file = mocap_annotations(tmp_path / 'mocap30.pkl')
    if how == 'spec_file':
        imports = ''
        fmt = write_yaml_spec(tmp_path / 'mocap30.yaml', 'mocap30_e2e')
    else:
        write_plugin_module(tmp_path, 'mocap_plugin_e2e', 'mocap30_e2e')
        imports = ("custom_imports = dict(imports=['mocap_plugin_e2e'], "
                   'allow_failed_imports=False)')
        fmt = 'mocap30_e2e'
    config = tmp_path / 'mocap30_toy.py'
    config.write_text(TRAIN_CONFIG.format(
        imports=imports, ann_file=ann_file, fmt=fmt,
        backbone=tiny_vit_cfg(in_channels=6)))
    work_dir = tmp_path / 'work'
    monkeypatch.syspath_prepend(str(tmp_path))  # the plugin module is there
    proc = run_tool('tools/train.py', config, '--work-dir', work_dir)
    scalars = list(work_dir.glob('*/vis_data/scalars.json'))
    assert len(scalars) == 1, proc.stdout[-2000:]
    lines = scalars[0].read_text().splitlines()
    records = [json.loads(line) for line in lines]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert [r['step'] for r in records if 'loss' in r] == [1]
    assert np.isfinite(losses[0]) and losses[0] > 0
    assert (work_dir / 'iter_1.pth').is_file()
