"""benchmarks/real_data.py: the five runs through the real tools, on a tiny
converted dataset of a format other than the default one."""
import json
import os.path as osp
import sys

import pytest
from mmengine.config import Config

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import REPO, load_script, run_cmd

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
    proc = run_cmd([
        sys.executable, SCRIPT, lcrnet_file, '--train-split', 'train',
        '--val-split', 'val', '--work-dir', str(work), '--epochs', 'mae=2',
        'probe=2', 'supervised=2', 'finetune=2', '--pipeline-options',
        'S2IEncode.scaling=centred', '--dataset-options',
        'preprocess.align=False', '--cfg-options',
        'train_dataloader.batch_size=8'
    ], timeout=600)
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
                   cwd=str(elsewhere))
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary['format'] == 'mocap30_beside'
    # the work dir is where the user ran it, not in the repository
    assert (elsewhere / 'work' / 'results.json').is_file()
    cfg = Config.fromfile(next((elsewhere / 'work' / 'supervised')
                               .glob('*.py')))
    assert cfg.train_dataloader.dataset.skeleton_format is None
    assert cfg.train_dataloader.dataset.ann_file == ann_file
