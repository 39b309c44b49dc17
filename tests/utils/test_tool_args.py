"""Plumbing shared by the tools: process-group teardown, --cfg-options
parsed with their spaces and reaching every loader, --custom-imports."""
import json
import sys

import pytest
import torch.distributed as dist
from mmengine.config import Config, DictAction

from s2i_mm.utils.config_options import merge_cfg_options
from s2i_mm.utils.custom_imports import import_custom_modules

from s2i_testing import FIXTURES, free_port, load_script, run_cmd

CLASSIFIER = f'{FIXTURES}/configs/tiny_s2i_classifier.py'

# two gloo ranks exchange data, then end the way the tools end a run; rank
# 1 arrives late, so a rank that does not wait for the others leaves first
_RANK_SCRIPT = '''
import json, sys, time
import torch, torch.distributed as dist
from s2i_mm.utils.tool_args import finish_distributed
dist.init_process_group('gloo')
rank, world = dist.get_rank(), dist.get_world_size()
for _ in range(20):
    out = [torch.empty(1000) for _ in range(world)]
    dist.all_gather(out, torch.full((1000, ), float(rank)))
if rank == 1:
    time.sleep(1.0)
entered = time.time()
finish_distributed()
left = time.time()
assert not dist.is_initialized()
with open(f'{sys.argv[1]}/rank{rank}.json', 'w') as f:
    json.dump(dict(entered=entered, left=left), f)
'''


@pytest.mark.e2e
def test_finish_distributed_waits_for_every_rank_then_closes(tmp_path):
    """Without it, a gloo rank that exits with a live group can abort
    ("terminate called without an active exception",
    pytorch/pytorch#190489): the ranks meet at a barrier, then each closes
    the group (the script asserts it is gone) and exits with 0."""
    script = tmp_path / 'rank.py'
    script.write_text(_RANK_SCRIPT)
    proc = run_cmd([sys.executable, '-m', 'torch.distributed.run',
                    '--nproc_per_node', '2', '--master_port',
                    str(free_port()), str(script), str(tmp_path)],
                   timeout=120)
    assert 'terminate called' not in proc.stderr
    times = [json.loads((tmp_path / f'rank{r}.json').read_text())
             for r in (0, 1)]
    # rank 0 left the barrier only once the late rank 1 had reached it
    assert times[0]['left'] >= times[1]['entered']


def test_finish_distributed_without_a_group_does_nothing():
    from s2i_mm.utils.tool_args import finish_distributed
    assert not dist.is_initialized()
    finish_distributed()  # a plain run: no barrier (it would raise)
    assert not dist.is_initialized()


def test_a_val_override_reaches_the_test_loader_it_was():
    cfg = Config.fromfile(CLASSIFIER)  # test_dataloader = val_dataloader
    notes = merge_cfg_options(cfg, {
        'train_dataloader.dataset.ann_file': 'new.pkl',
        'val_dataloader.dataset.ann_file': 'new.pkl',
        'val_evaluator.metric_list': ['top_k_accuracy'],
    })
    assert cfg.test_dataloader.dataset.ann_file == 'new.pkl'
    assert cfg.test_dataloader.dataset.split == 'val'
    assert cfg.test_evaluator.metric_list == ['top_k_accuracy']
    assert any('also set for test_dataloader' in n for n in notes)
    assert not any('keeps' in n for n in notes)
    # an explicit test override wins; a test loader that differed from the
    # val loader is left alone
    cfg = Config.fromfile(CLASSIFIER)
    merge_cfg_options(cfg, {'val_dataloader.dataset.ann_file': 'v.pkl',
                            'test_dataloader.dataset.ann_file': 't.pkl'})
    assert cfg.test_dataloader.dataset.ann_file == 't.pkl'
    cfg = Config.fromfile(CLASSIFIER)
    cfg.test_dataloader.dataset.split = 'test'
    merge_cfg_options(cfg, {'val_dataloader.dataset.ann_file': 'v.pkl'})
    assert cfg.test_dataloader.dataset.ann_file == ''
    # a test key set more or less specifically than the val key: the
    # user's test value stays
    cfg = Config.fromfile(CLASSIFIER)
    merge_cfg_options(cfg, {'val_dataloader': dict(batch_size=3),
                            'test_dataloader': dict(batch_size=5)})
    assert cfg.test_dataloader.batch_size == 5
    cfg = Config.fromfile(CLASSIFIER)
    merge_cfg_options(cfg, {
        'val_dataloader.dataset': dict(ann_file='v.pkl'),
        'test_dataloader.dataset.ann_file': 't.pkl'})
    assert cfg.test_dataloader.dataset.ann_file == 't.pkl'


def test_an_override_that_leaves_a_loader_behind_is_reported():
    cfg = Config.fromfile(CLASSIFIER)
    notes = merge_cfg_options(
        cfg, {'train_dataloader.dataset.ann_file': 'new.pkl'})
    assert cfg.val_dataloader.dataset.ann_file == ''
    assert sorted(n.split(': ')[1].split(' keeps')[0] for n in notes) == [
        'test_dataloader.dataset.ann_file', 'val_dataloader.dataset.ann_file']
    # splits differ anyway, batch sizes may: no note
    assert merge_cfg_options(
        Config.fromfile(CLASSIFIER),
        {'train_dataloader.dataset.split': 'all',
         'train_dataloader.batch_size': 3}) == []


def test_custom_imports_are_imported(tmp_path, monkeypatch):
    (tmp_path / 's2i_test_custom_import.py').write_text('LOADED = True\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    import_custom_modules(['s2i_test_custom_import'])
    assert sys.modules['s2i_test_custom_import'].LOADED
    with pytest.raises(ImportError):
        import_custom_modules(['s2i_no_such_module'])


#: values without inner spaces: parsed exactly as mmengine parses them
MMENGINE_VALUES = ['3', '0.5', '1e-3', 'True', 'false', 'None', 'x.pkl',
                   '1,2', '[1, 2, 3]', '(1, a)', "'x, y'", '"q"', '[]',
                   '[(1, 2), [a, b], c]', ' [ 1 , 2 ] ']


@pytest.mark.parametrize('script', ['tools/train.py', 'tools/test.py',
                                    'tools/analysis/visualize_mae.py'])
def test_cfg_options_keep_the_spaces_inside_a_value(script):
    """mmengine's DictAction deletes every space ('a path/x y.pkl' ->
    'apath/xy.pkl'); the tools keep those inside a value and parse the
    rest as mmengine documents it."""
    tool = load_script(script)
    head = {'tools/train.py': [CLASSIFIER],
            'tools/test.py': [CLASSIFIER, 'ckpt.pth'],
            'tools/analysis/visualize_mae.py': [CLASSIFIER, 'ckpt.pth',
                                                '--out-dir', 'x']}[script]
    options = [f'k{i}={v}' for i, v in enumerate(MMENGINE_VALUES)]
    spaced = {'path': 'my data/set 1.pkl', 'quoted': "'my data/x.pkl'",
              'items': '[my data/a.pkl, b c]', 'pair': '(1, x y)',
              'words': '1 2'}
    args = tool.parse_args(head + ['--cfg-options', *options,
                                   *(f'{k}={v}' for k, v in spaced.items())])
    for i, value in enumerate(MMENGINE_VALUES):
        assert args.cfg_options[f'k{i}'] == DictAction._parse_iterable(
            value), value
    assert args.cfg_options['path'] == 'my data/set 1.pkl'
    assert args.cfg_options['quoted'] == 'my data/x.pkl'
    assert args.cfg_options['items'] == ['my data/a.pkl', 'b c']
    assert args.cfg_options['pair'] == (1, 'x y')
    assert args.cfg_options['words'] == '1 2'  # mmengine: the int 12


def _merged(argv):
    """The config tools/train.py runs with ``argv``."""
    train = load_script('tools/train.py')
    args = train.parse_args([CLASSIFIER, '--work-dir', '/tmp/w', *argv])
    return train.merge_args(Config.fromfile(CLASSIFIER), args)


def test_vis_backend_adds_the_backend_once():
    cfg = _merged(['--vis-backend', 'tensorboard', '--vis-backend',
                   'tensorboard'])
    assert [b['type'] for b in cfg.visualizer.vis_backends] == [
        'LocalVisBackend', 'TensorboardVisBackend']
    assert [b['type'] for b in _merged([]).visualizer.vis_backends] == [
        'LocalVisBackend']


def test_vis_backend_without_its_package_says_how_to_install(monkeypatch):
    import importlib.util
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, 'find_spec',
                        lambda name, *a: None if name == 'tensorboard' else
                        find_spec(name, *a))
    with pytest.raises(ImportError, match=r'pip install -e "\.\[tensorboard'):
        _merged(['--vis-backend', 'tensorboard'])


@pytest.mark.e2e
def test_vis_backend_tensorboard_writes_an_event_file(tmp_path):
    pytest.importorskip(
        'tensorboard', reason='the tensorboard extra is not installed '
        '(pip install -e ".[tensorboard]"); the config wiring is tested '
        'above')
    from s2i_mm.datasets.synthetic import generate
    from s2i_mm.fileio.annotation import dump_annotation_file

    from s2i_testing import run_tool
    ann_file = str(tmp_path / 'set.pkl')
    dump_annotation_file(generate(num_per_class=1, formats=('ntu25', ),
                                  seed=0)['ntu25'], ann_file)
    work = tmp_path / 'work'
    run_tool('tools/train.py', f'{FIXTURES}/configs/tiny_s2i_mae.py',
             '--work-dir', work, '--vis-backend', 'tensorboard',
             '--cfg-options', f'train_dataloader.dataset.ann_file={ann_file}',
             'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1')
    events = list(work.glob('*/vis_data/events.out.tfevents.*'))
    assert len(events) == 1
    from tensorboard.backend.event_processing.event_accumulator import (
        EventAccumulator,
    )
    log = EventAccumulator(str(events[0].parent))
    log.Reload()
    assert 'loss' in log.Tags()['scalars']
