"""Every config under configs/ and projects/*/configs/ loads, and its model
and data pipeline build and run on a tiny fixture, so that no config can
rot."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope
from mmpretrain.models import BaseSelfSupervisor

import s2i_mm
from s2i_mm.datasets.annotation import dump_annotation_file
from s2i_mm.datasets.synthetic import generate
from s2i_mm.registry import DATASETS, MODELS

from s2i_testing import REPO

CONFIGS = sorted(
    f for pattern in ('configs', osp.join('projects', '*', 'configs'))
    for f in glob.glob(osp.join(REPO, pattern, '**', '*.py'), recursive=True)
    if '_base_' not in f.split(osp.sep))
_MODELS = {}  # model configs equal up to num_classes are built once


@pytest.fixture(scope='module')
def fixtures(tmp_path_factory):
    """Tiny annotation files, one per layout the configs use."""
    s2i_mm.register_all_modules(init_default_scope=False)
    root = tmp_path_factory.mktemp('fixture')
    paths = {}
    for name, data in generate(num_per_class=2, seed=0).items():
        paths[name] = str(root / f'{name}.pkl')
        dump_annotation_file(data, paths[name])
    return paths


def _fixture_split(split):
    # 'xsub_train_1pct' -> 'train_1pct'; 'cs_val' -> 'val'
    for part in ('train', 'val'):
        if part in split:
            return part + split.split(part, 1)[1]
    raise AssertionError(f'unexpected split {split}')


def _model(cfg):
    """The built model, and whether this call built it."""
    model_cfg = cfg.model.copy()
    if 'num_classes' in model_cfg.get('head', {}):
        assert model_cfg.head.num_classes == cfg.num_classes
        model_cfg.head.num_classes = 5  # ViT-B is built once per protocol
    key = repr(model_cfg)
    built = key not in _MODELS
    if built:
        _MODELS[key] = MODELS.build(model_cfg).eval()
    return _MODELS[key], built


def test_found_the_configs():
    names = [osp.relpath(c, REPO) for c in CONFIGS]
    assert sum('s2i_mae/benchmarks' in n for n in names) == 32
    assert sum(n.startswith('configs/s2i_mae/mae_') for n in names) == 8
    assert sum('s2i_diffmae/benchmarks' in n for n in names) == 32
    assert sum(n.startswith('configs/s2i_diffmae/diffmae_')
               for n in names) == 8
    # every S2I-MAE protocol has its DiffMAE twin
    mae = {osp.basename(n) for n in names if 's2i_mae/benchmarks' in n}
    assert mae == {
        osp.basename(n)
        for n in names if 's2i_diffmae/benchmarks' in n
    }
    assert sum(n.startswith('projects/skeleton2vec/') for n in names) == 5
    assert sum(n.startswith('projects/skeletonmae/') for n in names) == 3


@pytest.mark.parametrize(
    'config', CONFIGS, ids=[osp.relpath(c, REPO) for c in CONFIGS])
def test_config_builds_and_runs(config, fixtures):
    cfg = Config.fromfile(config)
    assert cfg.default_scope == 's2i_mm'
    with DefaultScope.overwrite_default_scope('s2i_mm'):
        train = _sample(cfg.train_dataloader, fixtures)
        test = (_sample(cfg.test_dataloader, fixtures)
                if cfg.get('test_dataloader') else None)
        model, built = _model(cfg)
        patch_embed = getattr(model.backbone, 'patch_embed', None)
        # the image the model gets (resized on the device or in the workers)
        inputs, data_samples = _preprocess(model, [train])
        if patch_embed is not None:  # S2I images of the ViT's size
            size = tuple(patch_embed.init_input_size)
            assert tuple(inputs.shape[-2:]) == size
            if test is not None:
                # multi-clip test samples: [num_clips, 3, H, W]
                assert _preprocess(model, [test])[0].shape[-3:] == (
                    3, ) + size
        if not built:
            return  # the same network already ran on this pipeline's output
        with torch.no_grad():
            if isinstance(model, BaseSelfSupervisor):
                losses = model.loss(inputs, data_samples)
                assert all(torch.isfinite(v) for v in losses.values())
                assert any('loss' in k for k in losses)
            else:
                pred = model.test_step(pseudo_collate([test]))[0]
                assert pred.pred_score.shape == (5, )


def _sample(dataloader_cfg, fixtures):
    """The first sample of a config's dataset, read from the fixture."""
    dataset_cfg = dataloader_cfg.dataset.copy()
    fmt = dataset_cfg.get('skeleton_format') or 'ntu25'
    dataset_cfg.update(
        ann_file=fixtures[fmt],
        split=_fixture_split(dataset_cfg.get('split') or 'train'),
        cache=False)
    return DATASETS.build(dataset_cfg)[0]


def _preprocess(model, samples):
    data = model.data_preprocessor(pseudo_collate(samples), training=True)
    return data['inputs'], data['data_samples']
