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
from s2i_mm.datasets.synthetic import generate
from s2i_mm.datasets.transforms import SkeletonModality
from s2i_mm.fileio.annotation import dump_annotation_file
from s2i_mm.registry import DATASETS, MODELS
from s2i_mm.utils.streams import check_stream

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


def _without_checkpoints(cfg):
    """``cfg`` without checkpoint paths (never loaded here)."""
    if isinstance(cfg, dict):
        return {k: _without_checkpoints(v) for k, v in cfg.items()
                if k != 'checkpoint'}
    if isinstance(cfg, (list, tuple)):
        return [_without_checkpoints(v) for v in cfg]
    return cfg


def _model(cfg):
    """The built model, and whether this call built it."""
    model_cfg = cfg.model.copy()
    for head in ('head', 'cls_head'):  # mmpretrain's, mmaction2's (GCNs)
        if 'num_classes' in model_cfg.get(head, {}):
            assert model_cfg[head].num_classes == cfg.num_classes
            model_cfg[head].num_classes = 5  # built once per protocol
    # the same network, whatever its weights' file, is built once
    key = repr(_without_checkpoints(model_cfg))
    built = key not in _MODELS
    if built:
        if len(_MODELS) >= 2:  # configs of one network sort together;
            del _MODELS[next(iter(_MODELS))]  # three ViT-Bs are 1 GB
        _MODELS[key] = MODELS.build(model_cfg).eval()
    return _MODELS[key], built


def test_found_the_configs():
    names = [osp.relpath(c, REPO) for c in CONFIGS]
    # 8 datasets x (linear, ft, semi 1 %, semi 10 %) joint; linear and ft
    # of the motion and bone streams; a three-stream linear probe; the
    # three-stream feature-concat probe and fine-tuning of NTU-60 x-sub
    assert sum('s2i_mae/benchmarks' in n for n in names) == 32 + 32 + 8 + 2
    # 8 datasets x (joint, motion, bone), universal
    assert sum(n.startswith('configs/s2i_mae/mae_') for n in names) == 25
    assert sum('s2i_mae/transfer/' in n for n in names) == 6
    assert sum('s2i_mae/universal/' in n for n in names) == 5
    assert sum('s2i_diffmae/benchmarks' in n for n in names) == 32
    assert sum(n.startswith('configs/s2i_diffmae/diffmae_')
               for n in names) == 8
    # every joint-stream S2I-MAE protocol has its DiffMAE twin
    diffmae = {osp.basename(n) for n in names
               if 's2i_diffmae/benchmarks' in n}
    assert diffmae <= {osp.basename(n) for n in names
                       if 's2i_mae/benchmarks' in n}
    # each peer: synthetic pretraining, probe, random-init probe, NTU (or
    # not), and the CPU recipe's scale on sequences (benchmarks/league.py)
    assert sum(n.startswith('projects/skeleton2vec/') for n in names) == 7
    # GCNs: STGCN++ (joint, bone, motion) and ST-GCN, at the CPU recipe's
    # scale and at mmaction2's NTU-60 scale
    assert sum(n.startswith('configs/gcn_cpu/') for n in names) == 4
    assert sum(n.startswith('configs/gcn/') for n in names) == 4
    assert sum(n.startswith('projects/skeletonmae/') for n in names) == 5


@pytest.mark.e2e  # builds the paper's full-size networks
@pytest.mark.parametrize(
    'config', CONFIGS, ids=[osp.relpath(c, REPO) for c in CONFIGS])
def test_config_builds_and_runs(config, fixtures):
    """The config loads, guards its runs (NaN losses, labels beyond the
    head), its data and model build and run, and every pipeline produces
    the stream the config's name says (which the tools check against the
    declared ``modality``)."""
    cfg = Config.fromfile(config)
    assert cfg.default_scope == 's2i_mm'
    # a NaN loss stops training, labels are checked against the head
    # (tests/tools/test_run_guards.py)
    hooks = {hook.type for hook in cfg.default_hooks.values()}
    assert {'InvalidLossHook', 'LabelRangeHook'} <= hooks
    stream = _expected_stream(config)
    assert check_stream(cfg) == stream
    with DefaultScope.overwrite_default_scope('s2i_mm'):
        samples = {}
        for loader in ('train', 'val', 'test'):
            if not cfg.get(f'{loader}_dataloader'):
                continue
            dataset = _dataset(cfg[f'{loader}_dataloader'], fixtures)
            steps = _modality_steps(dataset)
            assert steps and {s.modalities for s in steps} == {stream}
            samples[loader] = dataset[0]
        train, test = samples['train'], samples.get('test')
        model, built = _model(cfg)
        backbones = (list(model.backbone.values())
                     if 'streams' in cfg.model else [model.backbone])
        patch_embed = getattr(backbones[0], 'patch_embed', None)
        # the input the model gets (resized on the device or in the workers)
        inputs, data_samples = _preprocess(model, [train])
        if patch_embed is not None:  # S2I images of the ViT's size
            size = tuple(patch_embed.init_input_size)
            channels = 3 * len(backbones)
            assert tuple(inputs.shape[-3:]) == (channels, ) + size
            if test is not None:
                # multi-clip test samples: [num_clips, channels, H, W]
                assert _preprocess(model, [test])[0].shape[-3:] == (
                    channels, ) + size
        if not built:
            return  # the same network already ran on this pipeline's output
        with torch.no_grad():
            if isinstance(model, BaseSelfSupervisor):
                losses = model.loss(inputs, data_samples)
                assert all(torch.isfinite(v) for v in losses.values())
                assert any('loss' in k for k in losses)
            else:
                # one clip of the multi-clip sample (its shape is checked
                # above): the scores of N clips are N such forward passes
                one_clip = dict(test, inputs=test['inputs'][:1])
                pred = model.test_step(pseudo_collate([one_clip]))[0]
                assert pred.pred_score.shape == (5, )


def _on_fixture(dataset_cfg, fixtures):
    """A dataset config reading the fixture of its layout (of each
    member's, for a mixed-format dataset)."""
    dataset_cfg = dataset_cfg.copy()
    if 'datasets' in dataset_cfg:
        dataset_cfg.datasets = [_on_fixture(d, fixtures)
                                for d in dataset_cfg.datasets]
        return dataset_cfg
    fmt = dataset_cfg.get('skeleton_format') or 'ntu25'
    dataset_cfg.update(
        ann_file=fixtures[fmt],
        split=_fixture_split(dataset_cfg.get('split') or 'train'),
        cache=False)
    return dataset_cfg


def _dataset(dataloader_cfg, fixtures):
    return DATASETS.build(_on_fixture(dataloader_cfg.dataset, fixtures))


def _expected_stream(config):
    """The stream a config's name promises (mmaction2's habit of naming
    it among the settings, e.g. ``8xb64-bone-90e``); joint by default."""
    name = osp.basename(config)
    for tag, stream in (('-3stream', ('j', 'm', 'b')), ('-bone-', ('b', )),
                        ('-motion-', ('m', ))):
        if tag in name:
            return stream
    return ('j', )


def _modality_steps(dataset):
    """The SkeletonModality transforms of a built dataset's pipeline(s)."""
    members = getattr(dataset, 'datasets', [dataset])
    return [t for member in members for t in member.pipeline.transforms
            if isinstance(t, SkeletonModality)]


def _preprocess(model, samples):
    data = model.data_preprocessor(pseudo_collate(samples), training=True)
    return data['inputs'], data['data_samples']


def _before_modality(pipeline):
    steps = [step['type'] for step in pipeline]
    return pipeline[:steps.index('SkeletonModality')]


GCN_CONFIGS = [c for c in CONFIGS if osp.relpath(c, REPO).split(osp.sep)[
    :2] in (['configs', 'gcn'], ['configs', 'gcn_cpu'])]


@pytest.mark.parametrize(
    'config', GCN_CONFIGS, ids=[osp.relpath(c, REPO) for c in GCN_CONFIGS])
def test_gcn_configs_graph_and_data(config):
    """A GCN's graph is its dataset's format; at CPU scale it trains on
    what the S2I CPU recipe's supervised config trains on: the dataset,
    split, preprocessing, frame sampling and augmentation (every step
    before the stream), batch and epochs."""
    cfg = Config.fromfile(config)
    layouts = {cfg[f'{loader}_dataloader'].dataset.skeleton_format
               for loader in ('train', 'val', 'test')}
    assert layouts == {cfg.model.backbone.graph_cfg.layout}
    assert cfg.model.cls_head.num_classes == cfg.num_classes
    if osp.sep + 'gcn_cpu' + osp.sep not in config:
        assert layouts == {'ntu25'}
        assert cfg.train_dataloader.dataset.ann_file == (
            'data/ntu/ntu60_3d.pkl')
        return
    s2i = Config.fromfile(osp.join(
        REPO, 'configs', 's2i_mae_cpu',
        'vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py'))
    for loader in ('train', 'val', 'test'):
        ours, theirs = cfg[f'{loader}_dataloader'], s2i[f'{loader}_dataloader']
        assert ours.batch_size == theirs.batch_size == 64
        assert {k: v for k, v in ours.dataset.items() if k != 'pipeline'} == {
            k: v for k, v in theirs.dataset.items() if k != 'pipeline'}
        assert _before_modality(ours.dataset.pipeline) == _before_modality(
            theirs.dataset.pipeline)
    assert any(step['type'] == 'RandomSkeletonAffine'
               for step in cfg.train_dataloader.dataset.pipeline)
    assert cfg.train_cfg.max_epochs == s2i.train_cfg.max_epochs == 100
