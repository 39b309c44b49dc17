"""benchmarks/league.py: every row of the league through the real tools on
a tiny generated file, its figures the ones the tools logged, the
pretrained encoders the ones its probes ran with, the score fusions'
weights searched on a held-out split; the budget arithmetic and the
options fitting each family to a format."""
import json
import math
import pickle

import pytest
import torch
from mmaction.evaluation.functional import top_k_accuracy
from mmengine.config import Config

from s2i_mm.datasets.synthetic import generate
from s2i_mm.evaluation.score_fusion import (
    align_dumps,
    fuse_scores,
    load_dump,
    score_metrics,
    search_weights,
)
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import load_script, run_tool

SCRIPT = 'benchmarks/league.py'
BATCH = 8


@pytest.fixture(scope='module')
def league():
    return load_script(SCRIPT)


@pytest.fixture(scope='module')
def tiny_file(tmp_path_factory):
    """14 classes x 2 sequences of ``lcrnet13`` (13 joints, not the
    configs' ``kinect20``): 22 in split ``train``, 6 in ``val``; ``train``
    also as two disjoint dev splits, 14 in ``dev_train``, 8 in
    ``dev_val`` (the dev sets' protocol)."""
    data = generate(num_per_class=2, seed=1, formats=('lcrnet13', ))
    split = data['lcrnet13']['split']
    split['dev_val'] = split['train'][::3]
    split['dev_train'] = [n for n in split['train']
                          if n not in split['dev_val']]
    path = str(tmp_path_factory.mktemp('league') / 'tiny.pkl')
    dump_annotation_file(data['lcrnet13'], path)
    return path, {k: len(v) for k, v in split.items()}


def _last_json(path):
    lines = [line for line in path.read_text().splitlines()
             if line.startswith('{')]
    return json.loads(lines[-1])


@pytest.mark.e2e
def test_every_row_through_the_tools(tmp_path, tiny_file, league):
    ann_file, sizes = tiny_file
    work = tmp_path / 'work'
    rows = list(league.ROW_KEYS)  # the optional ones too
    run = run_tool(
        SCRIPT, ann_file, '--train-split', 'dev_train', '--val-split',
        'dev_val', '--test-split', 'val', '--work-dir', work,
        '--batch-size', BATCH, '--in-process',
        '--test-clips', 1,
        '--iters', 'pretrain=3', 'probe=2', 'finetune=2', 'supervised=5',
        'gcn=2', '--rows', *rows)
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert json.loads((work / 'results.json').read_text()) == summary
    assert summary['format'] == 'lcrnet13'
    assert summary['test_clips'] == 1
    assert summary['iters'] == dict(pretrain=3, probe=2, finetune=2,
                                    supervised=5, gcn=2)
    results = summary['rows']
    assert list(results) == rows  # every row, in the table's order
    table = (work / 'league.md').read_text()
    for key, row in results.items():
        assert f'| {league.title_cell(row)} | {row["top1"]:.2f} |' in table
        if league.ROW_BY_KEY[key].fuse:
            continue
        # the figures are those tools/test.py logged for that row
        logged = json.loads(next((work / f'test_{key}').glob(
            '*/*.json')).read_text().strip().splitlines()[-1])
        for metric in ('top1', 'top5', 'mean1'):
            assert row[metric] == round(100 * logged[f'acc/{metric}'], 2)
        # and they are the accuracy of the scores this row dumped
        with open(work / f'test_{key}' / 'scores.pkl', 'rb') as f:
            dump = pickle.load(f)
        assert len(dump['labels']) == sizes['val']
        top1 = top_k_accuracy(list(dump['scores']), dump['labels'], (1, ))
        assert row['top1'] == round(100 * top1[0], 2)
        # the run trained on the file's train split, in its format, for
        # the whole epochs nearest its budget, and tested on val
        cfg = Config.fromfile(work / 'configs' / f'{key}.py')
        data = cfg.train_dataloader.dataset
        assert (data.ann_file, data.split, data.skeleton_format) == (
            ann_file, 'dev_train', 'lcrnet13')
        assert cfg.test_dataloader.dataset.split == 'val'
        assert cfg.test_dataloader.dataset.pipeline[0].num_clips == 1
        drop = cfg.train_dataloader.get('drop_last', False)
        per_epoch = (sizes['dev_train'] // BATCH if drop else
                     math.ceil(sizes['dev_train'] / BATCH))
        budget = summary['iters'][_role(key)]
        assert cfg.train_cfg.max_epochs == max(2, round(budget / per_epoch))
        assert row['iters'] == cfg.train_cfg.max_epochs * per_epoch
        assert row['epochs'] == cfg.train_cfg.max_epochs
        head = cfg.model.get('cls_head') or cfg.model.head
        assert head.num_classes == 14
    # probes start from their pretraining's checkpoint, whose budget they
    # show; the random-init probe and the supervised runs from none
    pretrain_iters = 2 * math.ceil(sizes['dev_train'] / BATCH)
    for key, pre in (('s2i_mae_probe', 's2i_mae'),
                     ('s2i_mae_finetune', 's2i_mae'),
                     ('s2i_diffmae_probe', 's2i_diffmae'),
                     ('s2i_diffmae_finetune', 's2i_diffmae'),
                     ('s2i_mae_bone_probe', 's2i_mae_bone'),
                     ('s2i_mae_motion_probe', 's2i_mae_motion'),
                     ('skeleton2vec_probe', 'skeleton2vec'),
                     ('skeletonmae_probe', 'skeletonmae')):
        ckpt = next((work / pre).glob('epoch_*.pth'))
        assert f'from path: {ckpt}' in (work / 'logs' /
                                        f'{key}.log').read_text()
        assert results[key]['pretrain'] == pre
        # 3 iterations: 1 epoch of 2 batches -> at least 2 epochs
        assert results[key]['pretrain_iters'] == pretrain_iters
    # a frozen S2I probe ran with its pretraining's encoder (a DiffMAE's
    # as an MAE's); the late-fusion model, each stream with its own
    for key, streams in (
            ('s2i_mae_probe', {'': 's2i_mae'}),
            ('s2i_diffmae_probe', {'': 's2i_diffmae'}),
            ('s2i_mae_bone_probe', {'': 's2i_mae_bone'}),
            ('s2i_mae_motion_probe', {'': 's2i_mae_motion'}),
            ('s2i_3s_late_fusion', {'j.': 's2i_mae', 'm.': 's2i_mae_motion',
                                    'b.': 's2i_mae_bone'})):
        probe = _weights(work / key)
        for stream, pre in streams.items():
            encoder = {k: v for k, v in _weights(work / pre).items()
                       if k.startswith('backbone.')}
            mine = {k.replace(f'backbone.{stream}', 'backbone.', 1): v
                    for k, v in probe.items()
                    if k.startswith(f'backbone.{stream}')}
            # all but the norm of the probe's mean-pooled features
            assert set(mine) - set(encoder) == {'backbone.ln2.weight',
                                                'backbone.ln2.bias'}
            assert len(mine) > 10
            for name in set(mine) & set(encoder):
                assert torch.equal(mine[name], encoder[name]), (key, name)
    late = results['s2i_3s_late_fusion']
    assert late['pretrain'] == 's2i_mae+s2i_mae_motion+s2i_mae_bone'
    assert late['pretrain_iters'] == 3 * pretrain_iters
    for key in ('s2i_random_probe', 's2i_supervised', 'stgcnpp',
                'skeleton2vec_random_probe', 'skeletonmae_random_probe'):
        assert 'Loads checkpoint' not in (work / 'logs' /
                                          f'{key}.log').read_text()
        assert 'pretrain' not in results[key]
    # the GCNs' graph and the peers' models are the file's 13 joints
    gcn = Config.fromfile(work / 'configs' / 'stgcnpp.py')
    assert gcn.model.backbone.graph_cfg.layout == 'lcrnet13'
    s2v = Config.fromfile(next((work / 'skeleton2vec').glob('*.py')))
    assert s2v.model.backbone.num_joints == 13
    assert tuple(s2v.model.neck.grid) == (4, 13)
    smae = Config.fromfile(next((work / 'skeletonmae').glob('*.py')))
    assert {smae.model[p].skeleton_format
            for p in ('backbone', 'neck', 'head')} == {'lcrnet13'}
    # a frozen probe trains only its head; parameters are the model's
    assert results['s2i_mae_probe']['trainable_params'] < results[
        's2i_mae_probe']['params']
    assert results['s2i_supervised']['trainable_params'] == results[
        's2i_supervised']['params']
    counted = json.loads((work / 'parameters.json').read_text())
    assert results['stgcn']['params'] == counted[
        str(work / 'configs' / 'stgcn.py')]['model']['all']
    # a fusion row is what fuse_scores.py printed for its streams' test
    # dumps, with the weights searched on the same models' dumps of the
    # held-out split
    for key, streams in (
            ('stgcnpp_3s', ['stgcnpp', 'stgcnpp_bone', 'stgcnpp_motion']),
            ('s2i_3s_fusion', ['s2i_mae_probe', 's2i_mae_bone_probe',
                               's2i_mae_motion_probe'])):
        fused = _last_json(work / 'logs' / f'{key}.log')
        assert list(fused['streams']) == streams
        assert results[key]['top1'] == round(fused['fusion']['top1'], 2)
        assert results[key]['iters'] == sum(
            results[k]['iters'] for k in streams)
        for stream in streams:
            assert round(fused['streams'][stream]['top1'], 2) == results[
                stream]['top1']
        val = []
        for stream in streams:
            val_cfg = Config.fromfile(next(
                (work / f'val_{stream}').glob('*.py')))
            assert val_cfg.load_from == str(next(
                (work / stream).glob('epoch_*.pth')))
            assert val_cfg.test_dataloader.dataset.split == 'dev_val'
            val.append(load_dump(str(work / f'val_{stream}' /
                                     'scores.pkl')))
        val = align_dumps(val)
        assert len(val[0].labels) == sizes['dev_val']
        weights, searched = search_weights(val, 'prob', 0.1)
        assert fused['weights'] == results[key]['weights'] == list(weights)
        assert results[key]['weights_searched_on'] == 'dev_val'
        text = ' : '.join(f'{w:g}' for w in weights)
        assert f'(weights {text}, searched on dev_val) |' in table
        on_val = fuse_scores([d.scores for d in val], weights, 'prob')
        assert fused['searched_on']['top1'] == score_metrics(
            on_val, val[0].labels)['top1'] == searched['top1']
    assert results['s2i_3s_fusion']['pretrain'] == (
        's2i_mae+s2i_mae_bone+s2i_mae_motion')


def _weights(folder):
    ckpt = next(folder.glob('epoch_*.pth'))
    return torch.load(ckpt, map_location='cpu',
                      weights_only=False)['state_dict']


def _role(key):
    roles = dict(s2i_mae_probe='probe', s2i_random_probe='probe',
                 s2i_diffmae_probe='probe', s2i_mae_bone_probe='probe',
                 s2i_mae_motion_probe='probe', s2i_3s_late_fusion='probe',
                 skeleton2vec_probe='probe', skeletonmae_probe='probe',
                 s2i_mae_finetune='finetune', s2i_diffmae_finetune='finetune',
                 s2i_supervised='supervised')
    return roles.get(key, 'gcn')


def test_budget_is_whole_epochs_nearest_the_iterations(league):
    probe = league.S2I + 'vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py'
    scratch = league.S2I + 'vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py'
    # MSR-Action3D's 284 training sequences: the probe drops the last
    # partial batch (4 per epoch), the others keep it (5)
    assert league.epochs_for(probe, 100, 284, 64) == (25, 100)
    assert league.epochs_for(scratch, 100, 284, 64) == (20, 100)
    assert league.epochs_for(scratch, 30, 1020, 64) == (2, 32)
    assert league.epochs_for(scratch, 1, 1020, 64) == (2, 32)  # at least 2
    with pytest.raises(SystemExit, match='make no batch'):
        league.epochs_for(probe, 100, 10, 64)


def test_small_budget_is_the_same_for_every_set(league):
    # what docs/benchmarks.md states for the dev-set league
    assert league.BUDGETS['small'] == dict(
        pretrain=200, probe=100, finetune=150, supervised=150, gcn=20)


def test_format_options_fit_each_family(league):
    facts = dict(format_ref='utd20', num_joints=20, num_classes=27)
    pre = league.PRETRAININGS['skeleton2vec'].config
    assert league.format_options('skeleton2vec', facts, pre, True) == {
        'model.backbone.num_joints': 20, 'model.neck.grid': '(4,20)'}
    assert league.format_options('gcn', facts, None) == {
        'model.cls_head.num_classes': 27,
        'model.backbone.graph_cfg.layout': 'utd20'}
    assert league.format_options('s2i', facts, None) == {
        'model.head.num_classes': 27}


def test_fusion_needs_its_streams(league, capsys):
    with pytest.raises(SystemExit):
        league.parse_args(['x.pkl', '--train-split', 'a', '--test-split',
                           'b', '--rows', 'stgcnpp', 'stgcnpp_3s'])
    assert 'stgcnpp_3s fuses' in capsys.readouterr().err


def test_missing_split_is_named(league, tiny_file):
    with pytest.raises(SystemExit, match="no split 'xsub_train'"):
        league.dataset_facts(tiny_file[0], None, ('xsub_train', 'val'))


@pytest.mark.parametrize('val_split', [None, 'dev_val'])
def test_fusion_weights_come_from_the_val_split(league, val_split):
    """With ``--val-split`` each stream of a score fusion is also tested on
    it (the checkpoint tested on the test split) and the fusion searches
    its weights on those dumps, in the streams' order; without, no such
    test runs and the weights are equal."""
    val = ['--val-split', val_split] if val_split else []
    args = league.parse_args(
        ['x.pkl', '--train-split', 'dev_train', '--test-split', 'val', *val,
         '--batch-size', '8',
         '--rows', *league.S2I_STREAMS, 's2i_3s_fusion'])
    facts = dict(format_ref='lcrnet13', num_joints=13, num_classes=14,
                 split_sizes=dict(dev_train=14, dev_val=8, val=6))
    plan = league.League(args, facts)
    steps = {s.title: s.cmd for group in plan.groups for s in group}
    fuse = steps['s2i_3s_fusion: fuse']
    test_dumps = [plan.plan[k]['dump'] for k in league.S2I_STREAMS]
    assert fuse[2:5] == test_dumps
    val_steps = [t for t in steps if t.endswith('on val')]
    if not val_split:
        assert '--search' not in fuse and not val_steps
        return
    val_dumps = [plan.plan[k]['val_dump'] for k in league.S2I_STREAMS]
    assert fuse[fuse.index('--search') + 1:][:3] == val_dumps
    assert len(set(val_dumps + test_dumps)) == 6
    for key, dump in zip(league.S2I_STREAMS, val_dumps):
        val_cmd = steps[f'{key}: test on val']
        test_cmd = steps[f'{key}: test']
        # the same checkpoint, the test loader on the val split
        assert val_cmd[3] == test_cmd[3]
        assert val_cmd[val_cmd.index('--dump') + 1] == dump
        assert 'test_dataloader.dataset.split=dev_val' in val_cmd
        assert 'test_dataloader.dataset.split=val' in test_cmd
    # every stream's test on val runs before the fusion
    order = [s.title for group in plan.groups for s in group]
    assert max(order.index(t) for t in val_steps) < order.index(
        's2i_3s_fusion: fuse')


def test_val_split_is_not_the_test_split(league, capsys):
    with pytest.raises(SystemExit):
        league.parse_args(['x.pkl', '--train-split', 'a', '--test-split',
                           'b', '--val-split', 'b'])
    assert '--val-split must differ' in capsys.readouterr().err


def test_fusion_title_shows_its_weights(league):
    entry = dict(title='fusion', weights=[1., 1., 1.],
                 weights_searched_on=None)
    assert league.title_cell(entry) == 'fusion (weights 1 : 1 : 1)'
    entry.update(weights=[0.2, 0.5, 0.3], weights_searched_on='dev_val')
    assert league.title_cell(entry) == (
        'fusion (weights 0.2 : 0.5 : 0.3, searched on dev_val)')
    assert league.title_cell(dict(title='probe')) == 'probe'


def test_s2i_rows_run_by_default(league):
    args = league.parse_args(['x.pkl', '--train-split', 'a',
                              '--test-split', 'b'])
    assert {'s2i_diffmae_probe', 's2i_diffmae_finetune',
            's2i_mae_bone_probe', 's2i_mae_motion_probe', 's2i_3s_fusion',
            's2i_3s_late_fusion'} <= set(args.rows)
    assert 'stgcnpp_3s' not in args.rows
