"""The tools report an expected failure as one ``error:`` line on stderr
with exit status 1, before mmengine prints the config; ``--debug`` (or
``S2I_MM_DEBUG=1``) shows the traceback. ``tools/test.py`` and the demo
refuse a checkpoint that is not the model's, and name a corrupt one."""
import os.path as osp
import random

import pytest
import torch

from s2i_mm.apis import init_recognizer
from s2i_mm.datasets.synthetic import CLASSES, generate
from s2i_mm.fileio.annotation import dump_annotation_file

from s2i_testing import FIXTURES, REPO, run_tool

CLASSIFIER = f'{FIXTURES}/configs/tiny_s2i_classifier.py'
MAE = f'{FIXTURES}/configs/tiny_s2i_mae.py'
NW_UCLA_MAE = 'configs/s2i_mae/mae_vit-base-p16_8xb64-400e_nw-ucla-xview.py'


def one_error(run, *fragments):
    """Assert a run failed with exactly one ``error:`` line (containing
    ``fragments``), no traceback and no config dump; return the line."""
    assert run.returncode == 1, (run.stdout[-2000:], run.stderr[-2000:])
    errors = [line for line in run.stderr.splitlines()
              if line.startswith('error: ')]
    assert len(errors) == 1, run.stderr
    assert 'Traceback' not in run.stderr + run.stdout
    assert 'Config:' not in run.stdout + run.stderr  # mmengine's dump
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('errors') / 'set.pkl')
    dump_annotation_file(generate(num_per_class=1, formats=('ntu25', ),
                                  seed=3)['ntu25'], path)
    return path


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """A checkpoint of the tiny classifier (14 classes), of the tiny MAE,
    and corrupt / foreign files."""
    root = tmp_path_factory.mktemp('ckpts')
    torch.manual_seed(0)
    files = {}
    for name, config in (('classifier', CLASSIFIER), ('mae', MAE)):
        model = init_recognizer(config)
        files[name] = str(root / f'{name}.pth')
        torch.save(dict(state_dict=model.state_dict(),
                        meta=dict(dataset_meta=dict(classes=list(CLASSES),
                                                    max_persons=2))),
                   files[name])
    whole = open(files['classifier'], 'rb').read()
    for name, content in (('empty', b''), ('truncated', whole[:len(whole)
                                                                // 2]),
                          # seeded: these bytes made torch's weights-only
                          # unpickler raise IndexError (26 of 400 seeds)
                          ('random', random.Random(2).randbytes(4096))):
        files[name] = str(root / f'{name}.pth')
        with open(files[name], 'wb') as f:
            f.write(content)
    files['list'] = str(root / 'list.pth')
    torch.save([1, 2, 3], files['list'])
    return files


def test_paper_config_without_data_names_the_file_and_converter():
    """The issue's first step: a paper config, no data converted yet."""
    if osp.exists(osp.join(REPO, 'data', 'nw_ucla', 'nw_ucla.pkl')):
        pytest.skip('data/nw_ucla/nw_ucla.pkl exists in this checkout')
    run = run_tool('tools/train.py', NW_UCLA_MAE, '--work-dir', '/nonexistent',
                   check=False)
    one_error(run, 'data/nw_ucla/nw_ucla.pkl: no such data file',
              'train_dataloader.dataset.ann_file',
              'make it with: python tools/data/convert_nw_ucla.py '
              'data/NW-UCLA/all_sqe data/nw_ucla/nw_ucla.pkl')
    assert run.stdout == ''  # nothing before the error either


def test_debug_shows_the_traceback(tmp_path):
    missing = str(tmp_path / 'none.pkl')
    argv = [CLASSIFIER, '--work-dir', str(tmp_path / 'w'), '--cfg-options',
            f'train_dataloader.dataset.ann_file={missing}']
    with pytest.raises(FileNotFoundError, match='no such data file'):
        run_tool('tools/train.py', *argv, '--debug', check=False)
    with pytest.raises(FileNotFoundError, match='no such data file'):
        run_tool('tools/train.py', *argv, env={'S2I_MM_DEBUG': '1'},
                 check=False)
    one_error(run_tool('tools/train.py', *argv, check=False),
              f'{missing}: no such data file', 'convert your data with')


def test_missing_config(tmp_path):
    for tool, extra in (('tools/train.py', []),
                        ('tools/test.py', ['x.pth'])):
        one_error(run_tool(tool, str(tmp_path / 'nope.py'), *extra,
                           check=False),
                  f'{tmp_path / "nope.py"}: no such config file')


def test_missing_checkpoints(tmp_path, data):
    opts = ['--cfg-options', f'test_dataloader.dataset.ann_file={data}']
    one_error(run_tool('tools/test.py', CLASSIFIER, str(tmp_path / 'x.pth'),
                       '--work-dir', str(tmp_path), *opts, check=False),
              f'{tmp_path / "x.pth"}: no such checkpoint file')
    # the probe's pretrained encoder, named by init_cfg
    probe = f'{FIXTURES}/configs/tiny_s2i_linear.py'
    one_error(run_tool('tools/train.py', probe, '--work-dir', str(tmp_path),
                       '--cfg-options',
                       f'train_dataloader.dataset.ann_file={data}',
                       f'val_dataloader.dataset.ann_file={data}',
                       'model.backbone.init_cfg.checkpoint=mae/epoch_9.pth',
                       check=False),
              'mae/epoch_9.pth: no such checkpoint file',
              "model.backbone.init_cfg.checkpoint")
    one_error(run_tool('tools/train.py', CLASSIFIER, '--work-dir',
                       str(tmp_path), '--resume', str(tmp_path / 'r.pth'),
                       '--cfg-options',
                       f'train_dataloader.dataset.ann_file={data}',
                       f'val_dataloader.dataset.ann_file={data}',
                       check=False),
              f'{tmp_path / "r.pth"}: no such checkpoint file')


def test_stream_mismatch_is_one_error_line(tmp_path, data):
    run = run_tool('tools/train.py', CLASSIFIER, '--work-dir', str(tmp_path),
                   '--cfg-options', 'modality=b',
                   f'train_dataloader.dataset.ann_file={data}',
                   f'val_dataloader.dataset.ann_file={data}', check=False)
    one_error(run, "declares modality='b'")


def test_offline_imagenet_weights_point_to_convert_weights(tmp_path, data):
    """Pretrained weights by URL that cannot be fetched (a closed local
    port stands for no network) stop before the config dump."""
    from s2i_testing import free_port
    url = f'http://127.0.0.1:{free_port()}/mae_in1k.pth'
    run = run_tool('tools/train.py', MAE, '--work-dir', str(tmp_path),
                   '--cfg-options',
                   f'train_dataloader.dataset.ann_file={data}',
                   "model.init_cfg.type=Pretrained",
                   f'model.init_cfg.checkpoint={url}', check=False)
    one_error(run, f'cannot download {url}', 'tools/convert_weights.py',
              'model.init_cfg.checkpoint=PATH')


@pytest.mark.parametrize('name,what', [
    ('empty', 'empty file (0 bytes), not a checkpoint'),
    ('truncated', 'truncated or corrupt checkpoint'),
    ('random', 'not a PyTorch checkpoint'),
    ('list', 'not a model checkpoint (it holds list)'),
])
def test_corrupt_checkpoints_are_one_line_naming_the_file(
        tmp_path, data, checkpoints, name, what):
    for tool, argv in (
            ('tools/test.py', [CLASSIFIER, checkpoints[name], '--work-dir',
                               str(tmp_path), '--cfg-options',
                               f'test_dataloader.dataset.ann_file={data}']),
            ('demo/demo_skeleton.py', [CLASSIFIER, checkpoints[name], data])):
        one_error(run_tool(tool, *argv, check=False),
                  f'{checkpoints[name]}: {what}')


def test_checkpoint_of_another_model_is_refused(tmp_path, data,
                                                checkpoints):
    """An MAE checkpoint in the classifier, a 14-class head into a
    10-class config: refused naming the keys, by test.py and the demo
    (without the check both print the scores of a random head)."""
    test_opts = ['--work-dir', str(tmp_path), '--cfg-options',
                 f'test_dataloader.dataset.ann_file={data}']
    for tool, argv in (
            ('tools/test.py', [CLASSIFIER, checkpoints['mae'], *test_opts]),
            ('demo/demo_skeleton.py', [CLASSIFIER, checkpoints['mae'],
                                       data])):
        line = one_error(run_tool(tool, *argv, check=False),
                         f"{checkpoints['mae']} does not fit the model of "
                         f'{CLASSIFIER}: 4 model keys missing '
                         '(backbone.ln2.weight, backbone.ln2.bias, '
                         'head.fc.weight, head.fc.bias); '
                         '20 unexpected keys (neck.mask_token, ')
        assert 'init_cfg' in line  # the way a pretraining checkpoint goes
    line = one_error(run_tool('tools/test.py', CLASSIFIER,
                              checkpoints['classifier'], *test_opts,
                              'model.head.num_classes=10', check=False),
                     '2 shapes differ (head.fc.weight (checkpoint [14, 32], '
                     'model [10, 32]), head.fc.bias')
    assert 'missing' not in line and 'unexpected' not in line


def test_the_fitting_checkpoint_still_tests(tmp_path, data, checkpoints):
    run = run_tool('tools/test.py', CLASSIFIER, checkpoints['classifier'],
                   '--work-dir', str(tmp_path), '--cfg-options',
                   f'test_dataloader.dataset.ann_file={data}',
                   'train_dataloader=None')  # the config has no schedule
    assert 'acc/top1' in run.stdout
    run = run_tool('demo/demo_skeleton.py', CLASSIFIER,
                   checkpoints['classifier'], data)
    assert 'top-5' in run.stdout
