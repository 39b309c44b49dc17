"""benchmarks/real_data.py: the five runs through the real tools, on a tiny
converted dataset of a format other than the default one."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import REPO, load_script, run_tool

SCRIPT = osp.join(REPO, 'benchmarks', 'real_data.py')


@pytest.fixture(scope='module')
def real_data():
    return load_script(SCRIPT)


@pytest.fixture(scope='module')
def lcrnet_file(tmp_path_factory):
    data = generate(num_per_class=2, seed=1, formats=('lcrnet13', ))
    path = str(tmp_path_factory.mktemp('real_data') / 'tiny.pkl')
    dump_annotation_file(data['lcrnet13'], path)
    return path


@pytest.mark.e2e
def test_five_runs_through_the_tools(tmp_path, lcrnet_file):
    work = tmp_path / 'work'
    proc = run_tool(
        SCRIPT, lcrnet_file, '--train-split', 'train', '--val-split', 'val',
        '--work-dir', work, '--epochs', 'mae=2', 'probe=2', 'supervised=2',
        'finetune=2', '--pipeline-options', 'S2IEncode.scaling=centred',
        '--dataset-options', 'preprocess.align=False', '--cfg-options',
        'train_dataloader.batch_size=8', '--in-process')
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary['format'] == 'lcrnet13'
    assert json.loads((work / 'results.json').read_text()) == summary
    for run in ('probe', 'random_probe', 'supervised', 'finetune'):
        # the figures are the ones tools/test.py logged for that run
        logged = json.loads(
            next((work / f'test_{run}').glob('*/*.json')).read_text()
            .strip().splitlines()[-1])
        assert summary[f'{run}_top1'] == round(100 * logged['acc/top1'], 2)
        # every run trained on the file's train split, 14 classes
        cfg = Config.fromfile(next((work / run).glob('*.py')))
        assert cfg.train_dataloader.dataset.ann_file == lcrnet_file
        assert cfg.train_dataloader.dataset.split == 'train'
        assert cfg.test_dataloader.dataset.split == 'val'
        assert cfg.model.head.num_classes == 14
        assert cfg.train_dataloader.batch_size == 8
        # the pipeline option reached every pipeline of every run
        for loader in ('train_dataloader', 'test_dataloader'):
            encode = [t for t in cfg[loader].dataset.pipeline
                      if t.type == 'S2IEncode']
            assert [t.scaling for t in encode] == ['centred']
            # the dataset option reached every dataset of every run
            assert cfg[loader].dataset.preprocess.align is False
    assert 'MAE probe - random probe' in proc.stdout
    # the MAE probe and fine-tuning start from the MAE checkpoint, the
    # random-init probe and supervised run from none
    mae_ckpt = str(work / 'mae' / 'epoch_2.pth')
    logs = work / 'logs'
    for run in ('probe', 'finetune'):
        assert f'from path: {mae_ckpt}' in (logs / f'{run}.log').read_text()
    for run in ('random_probe', 'supervised'):
        assert 'Loads checkpoint' not in (logs / f'{run}.log').read_text()
    mae_cfg = Config.fromfile(next((work / 'mae').glob('*.py')))
    assert mae_cfg.val_dataloader is None  # labels unused
    assert mae_cfg.train_dataloader.dataset.split == 'train'
    assert mae_cfg.train_dataloader.dataset.preprocess.align is False


def test_pipeline_overrides_find_every_pipeline(real_data):
    found = real_data.pipeline_overrides(
        real_data.LINEAR_CFG, {'S2IEncode.scaling': 'fixed'})
    assert set(found) == {
        f'{loader}_dataloader.dataset.pipeline.{i}.scaling'
        for loader, i in (('train', 4), ('val', 3), ('test', 3))}
    with pytest.raises(SystemExit, match='no NoSuchTransform'):
        real_data.pipeline_overrides(real_data.LINEAR_CFG,
                                     {'NoSuchTransform.x': '1'})
    # a typo after a good option with the same key is still refused
    with pytest.raises(SystemExit, match='no S2IEncodeX'):
        real_data.pipeline_overrides(
            real_data.LINEAR_CFG,
            {'S2IEncode.scaling': 'fixed', 'S2IEncodeX.scaling': 'x'})


def test_bad_arguments_are_refused(real_data):
    with pytest.raises(SystemExit):
        real_data.parse_args(['x.pkl', '--train-split', 'a', '--val-split',
                              'b', '--stages', 'probe'])  # needs mae
    with pytest.raises(SystemExit):
        real_data.parse_args(['x.pkl', '--train-split', 'a', '--val-split',
                              'b', '--epochs', 'mae=1'])


def test_paths_with_spaces_reach_the_tools_intact(real_data, tmp_path):
    """Every step's --cfg-options, parsed by the tool that runs it, give
    back the annotation file and the checkpoint with their spaces."""
    ann_file = str(tmp_path / 'my data' / 'set 1.pkl')
    work = str(tmp_path / 'work dir')
    args = real_data.parse_args([
        ann_file, '--train-split', 'train', '--val-split', 'val',
        '--work-dir', work, '--cfg-options', 'randomness.note=a b'])
    lanes, _ = real_data.build_lanes(args, dict(format='ntu25',
                                                num_classes=3))
    tools = {name: load_script(f'tools/{name}.py')
             for name in ('train', 'test')}
    steps = [step for lane in lanes for step in lane]
    assert len(steps) == 9
    for step in steps:
        script = osp.basename(step.cmd[1])
        parsed = tools[script[:-3]].parse_args(step.cmd[2:]).cfg_options
        assert parsed['train_dataloader.dataset.ann_file'] == ann_file
        assert parsed['randomness.note'] == 'a b'
        checkpoint = parsed.get('model.backbone.init_cfg.checkpoint')
        if checkpoint is not None:
            assert checkpoint == osp.join(work, 'mae', 'epoch_300.pth')


@pytest.mark.e2e
def test_a_recorded_spec_path_is_read_from_the_file_folder(tmp_path):
    """A file that records its layout as a spec path relative to itself
    (as convert_generic.py writes it when the spec sits beside the file),
    run from another folder: the runner leaves the record to each step's
    dataset, which reads it from the file's folder; main's runner passed
    the bare 'mocap30.yaml' to the tools, which looked for it in the
    repository root and failed in the first run."""
    from mocap30_layout import mocap_annotations, write_yaml_spec

    from s2i_testing import run_tool
    data = tmp_path / 'data'
    data.mkdir()
    write_yaml_spec(data / 'mocap30.yaml', 'mocap30_beside')
    ann_file = mocap_annotations(data / 'set.pkl', recorded='mocap30.yaml')
    elsewhere = tmp_path / 'elsewhere'
    elsewhere.mkdir()
    run = run_tool('benchmarks/real_data.py', ann_file, '--train-split',
                   'train', '--val-split', 'val', '--stages', 'supervised',
                   '--epochs', 'supervised=2', '--work-dir', 'work',
                   '--cfg-options', 'train_dataloader.batch_size=4',
                   '--in-process', cwd=str(elsewhere))
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary['format'] == 'mocap30_beside'
    # the work dir is where the user ran it, not in the repository
    assert (elsewhere / 'work' / 'results.json').is_file()
    cfg = Config.fromfile(next((elsewhere / 'work' / 'supervised')
                               .glob('*.py')))
    assert cfg.train_dataloader.dataset.skeleton_format is None
    assert cfg.train_dataloader.dataset.ann_file == ann_file


@pytest.fixture(scope='module')
def two_layouts(tmp_path_factory):
    """Two tiny converted files of different layouts (25 and 20 joints)."""
    folder = tmp_path_factory.mktemp('two_layouts')
    data = generate(num_per_class=2, seed=2, formats=('ntu25', 'kinect20'))
    paths = {}
    for name in ('ntu25', 'kinect20'):
        paths[name] = str(folder / f'{name}.pkl')
        dump_annotation_file(data[name], paths[name])
    return paths


def _mae_dataset_and_sampler(work):
    """The MAE step's train dataset and sampler, built from the config
    tools/train.py dumped in its work dir, as the runner built them."""
    from mmengine.registry import init_default_scope

    from s2i_mm.registry import DATA_SAMPLERS, DATASETS
    init_default_scope('s2i_mm')
    cfg = Config.fromfile(next((work / 'mae').glob('*.py')))
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    sampler = DATA_SAMPLERS.build(cfg.train_dataloader.sampler,
                                  default_args=dict(dataset=dataset, seed=0))
    return cfg, dataset, sampler


def _last_train_line(log):
    return [line for line in log.read_text().splitlines()
            if 'Epoch(train)' in line][-1]


@pytest.mark.e2e
def test_pretrain_on_two_layouts_then_probe(tmp_path, two_layouts):
    """--pretrain-on files of two layouts: the MAE step draws from both,
    for exactly the iterations asked; the probe starts from its
    checkpoint."""
    work = tmp_path / 'work'
    target = two_layouts['kinect20']
    run = run_tool(
        'benchmarks/real_data.py', target, '--train-split', 'train',
        '--val-split', 'val', '--work-dir', work, '--stages', 'mae',
        'probe', '--iters', 'mae=6', 'probe=4', '--pretrain-on',
        f'{two_layouts["ntu25"]}:train', target, '--cfg-options',
        'train_dataloader.batch_size=8', '--in-process')
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary['pretrain_data'] == [
        dict(ann_file=two_layouts['ntu25'], split='train', format='ntu25',
             samples=22),
        dict(ann_file=target, split=None, format='kinect20', samples=28)]
    cfg, dataset, sampler = _mae_dataset_and_sampler(work)
    assert cfg.train_dataloader.batch_size == 8
    assert dataset.metainfo['skeleton_formats'] == ['ntu25', 'kinect20']
    assert len(dataset) == 22 + 28
    # 6 iterations of 8 = 2 epochs of 3 batches (the closest to one pass
    # over 50 samples); each epoch's draws take samples of both files
    assert summary['epochs'] == dict(mae=2, probe=2)
    assert sampler.epoch_size == 24 and len(list(sampler)) == 24
    for epoch in range(2):
        sampler.set_epoch(epoch)
        formats = {dataset.get_data_info(i)['skeleton_format']
                   for i in sampler}
        assert formats == {'ntu25', 'kinect20'}
    assert '[2][3/3]' in _last_train_line(work / 'logs' / 'mae.log')
    # the probe: the target's own train split, from the MAE checkpoint
    mae_ckpt = str(work / 'mae' / 'epoch_2.pth')
    assert f'from path: {mae_ckpt}' in (
        work / 'logs' / 'probe.log').read_text()
    probe = Config.fromfile(next((work / 'probe').glob('*.py')))
    assert probe.train_dataloader.dataset.ann_file == target
    # the file's own record, read by the dataset (see the test above)
    assert probe.train_dataloader.dataset.skeleton_format is None
    assert '[2][2/2]' in _last_train_line(work / 'logs' / 'probe.log')


@pytest.mark.e2e
def test_leave_one_out_then_reuse_the_checkpoint(tmp_path, two_layouts):
    """--leave-one-out pretrains on the other files only; --pretrained
    probes that checkpoint on another target without pretraining."""
    files = [f'{two_layouts["ntu25"]}:train',
             f'{two_layouts["kinect20"]}:train']
    work = tmp_path / 'loo'
    run_tool('benchmarks/real_data.py', two_layouts['kinect20'],
             '--train-split', 'train', '--val-split', 'val',
             '--work-dir', work, '--stages', 'mae', '--iters', 'mae=4',
             '--leave-one-out', '--pretrain-on', *files, '--cfg-options',
             'train_dataloader.batch_size=8', '--in-process')
    _, dataset, _ = _mae_dataset_and_sampler(work)
    assert dataset.metainfo['skeleton_formats'] == ['ntu25']
    assert len(dataset) == 22
    ckpt = work / 'mae' / 'epoch_2.pth'
    assert ckpt.is_file()

    reuse = tmp_path / 'reuse'
    run = run_tool('benchmarks/real_data.py', two_layouts['ntu25'],
                   '--train-split', 'train', '--val-split', 'val',
                   '--work-dir', reuse, '--stages', 'probe',
                   '--pretrained', ckpt, '--epochs', 'probe=2',
                   '--cfg-options', 'train_dataloader.batch_size=8',
                   '--in-process')
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary['pretrained'] == str(ckpt)
    assert summary['pretrain_data'] is None
    assert not (reuse / 'mae').exists()
    assert f'from path: {ckpt}' in (reuse / 'logs' / 'probe.log').read_text()
    logged = json.loads(next((reuse / 'test_probe').glob('*/*.json'))
                        .read_text().strip().splitlines()[-1])
    assert summary['probe_top1'] == round(100 * logged['acc/top1'], 2)


def test_pretrain_arguments(real_data, tmp_path):
    base = ['t.pkl', '--train-split', 'a', '--val-split', 'b']
    args = real_data.parse_args(
        [*base, '--pretrain-on', 'x.pkl:xsub_train', 't.pkl:a', 'y.pkl',
         '--leave-one-out', '--iters', 'mae=10'])
    assert args.pretrain_data == [(osp.abspath('x.pkl'), 'xsub_train'),
                                  (osp.abspath('y.pkl'), None)]
    assert args.iter_plan == dict(mae=10)
    for bad in (['--leave-one-out'],  # nothing to leave out of
                ['--pretrain-on', 'x.pkl', '--leave-one-out'],  # no target
                ['--pretrained', str(tmp_path / 'none.pth')],
                ['--iters', 'mae=1'], ['--iters', 'warmup=5']):
        with pytest.raises(SystemExit):
            real_data.parse_args([*base, *bad])
    ckpt = tmp_path / 'mae.pth'
    ckpt.write_bytes(b'')
    with pytest.raises(SystemExit):  # pretrained, or pretrained on files
        real_data.parse_args([*base, '--pretrained', str(ckpt),
                              '--pretrain-on', 'x.pkl'])
    args = real_data.parse_args([*base, '--pretrained', str(ckpt)])
    assert 'mae' not in args.stages and 'probe' in args.stages
    # a colon that is part of an existing file's name is not a split
    odd = tmp_path / 'a:b.pkl'
    odd.write_bytes(b'')
    assert real_data.parse_member(str(odd)) == (str(odd), None)


def test_iteration_epochs(real_data):
    # 3000 iterations over 1,379 samples, batches of 64 (22 per pass)
    assert real_data.iteration_epochs(3000, 1379, 64, False) == (125, 24)
    # 1000 over 227 with drop_last (3 per pass): 4 per epoch
    assert real_data.iteration_epochs(1000, 227, 64, True) == (250, 4)
    # a prime number of iterations: one batch per epoch
    assert real_data.iteration_epochs(7, 500, 64, False) == (7, 1)


def test_a_bad_pretraining_file_stops_before_anything_runs(tmp_path,
                                                         two_layouts):
    work = tmp_path / 'work'
    run = run_tool(
        'benchmarks/real_data.py', two_layouts['kinect20'], '--train-split',
        'train', '--val-split', 'val', '--work-dir', work, '--stages', 'mae',
        '--pretrain-on', two_layouts['kinect20'],
        f'{two_layouts["ntu25"]}:no_such_split', check=False)
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1].startswith(
        f'error: {two_layouts["ntu25"]} (split no_such_split): ')
    assert "no split 'no_such_split'" in run.stderr
    assert not work.exists()
