"""tools/train.py and tools/test.py refuse a run that cannot be right: a
loss that turns NaN stops training at that iteration, without a
checkpoint (``InvalidLossHook``); a label the model's head has no class
for stops the run before its first step, naming the sample
(``LabelRangeHook``). Both are configured in default_runtime.py, which
every config inherits (tests/test_configs.py checks each)."""
import pickle

import pytest
import torch
from mmengine.config import Config

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file
from s2i_mm.registry import MODELS

from s2i_testing import FIXTURES, load_script

CLASSIFIER = f'{FIXTURES}/configs/tiny_s2i_classifier.py'


@pytest.fixture(scope='module')
def data(tmp_path_factory):
    """28 synthetic NTU samples of 14 classes (20 train, 8 val)."""
    path = str(tmp_path_factory.mktemp('guards') / 'set.pkl')
    dump_annotation_file(generate(num_per_class=2, formats=('ntu25', ),
                                  seed=3)['ntu25'], path)
    return path


def data_options(ann_file):
    return [f'{loader}.dataset.ann_file={ann_file}'
            for loader in ('train_dataloader', 'val_dataloader')]


def failing_run(script, argv, capsys):
    """Run a tool in-process that must fail with one ``error:`` line and
    exit status 1; that line."""
    status = load_script(script).main(argv)
    out = capsys.readouterr()
    assert status == 1, out.err
    errors = [line for line in out.err.splitlines()
              if line.startswith('error: ')]
    assert len(errors) == 1 and 'Traceback' not in out.err, out.err
    return errors[0]


@pytest.mark.e2e
def test_a_nan_loss_stops_training_at_its_iteration(data, tmp_path,
                                                    capsys):
    """A learning rate of 1e30 (the usual way to a NaN loss: the weights
    blow up after the first step) without the hook trains on with
    ``loss: nan``, exits 0 and saves a checkpoint; with it, the run stops
    at iteration 2 and no checkpoint is written."""
    work = tmp_path / 'work'
    message = failing_run('tools/train.py', [
        CLASSIFIER, '--work-dir', str(work), '--cfg-options',
        *data_options(data), 'optim_wrapper.optimizer.type=SGD',
        'optim_wrapper.optimizer.lr=1e30', 'train_cfg.by_epoch=True',
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1',
        'default_hooks.checkpoint.interval=1'], capsys)
    assert 'the loss is not finite at training iteration 2 (epoch 1, ' \
        'batch 2 of 5)' in message
    assert not list(work.glob('*.pth'))
    assert not (work / 'last_checkpoint').exists()


def first_bad(ann_file, split, loader):
    """The error naming the first sample of ``split`` labelled 10 or more
    (the file's order is the dataset's)."""
    with open(ann_file, 'rb') as f:
        data = pickle.load(f)
    names = set(data['split'][split])
    records = [a for a in data['annotations'] if a['frame_dir'] in names]
    index = next(i for i, a in enumerate(records) if a['label'] >= 10)
    return (f"{ann_file}: sample {index} of the {loader} dataset "
            f"('{records[index]['frame_dir']}', split '{split}'): label "
            f"{records[index]['label']}, but the model's head has "
            'num_classes=10')


#: 14 classes in the data, a head of 10
HEAD10 = ['model.head.num_classes=10', 'optim_wrapper.optimizer.type=SGD',
          'optim_wrapper.optimizer.lr=0.01', 'train_cfg.by_epoch=True',
          'train_cfg.max_epochs=1']


@pytest.mark.e2e
def test_labels_beyond_the_head_stop_training_first(data, tmp_path,
                                                    capsys):
    """Without the check: torch's ``IndexError: Target 10 is out of
    bounds`` in the middle of the epoch."""
    work = tmp_path / 'train'
    message = failing_run('tools/train.py', [
        CLASSIFIER, '--work-dir', str(work), '--cfg-options',
        *data_options(data), *HEAD10], capsys)
    assert first_bad(data, 'train', 'train_dataloader') in message
    assert 'Target' not in message and not list(work.glob('*.pth'))


@pytest.mark.e2e
def test_labels_beyond_the_head_stop_testing_first(data, tmp_path, capsys):
    """Without the check: metrics printed, exit code 0. The test loader
    is the config's val loader (val split)."""
    cfg = Config.fromfile(CLASSIFIER)
    cfg.model.head.num_classes = 10
    checkpoint = tmp_path / 'head10.pth'
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict()),
               checkpoint)
    message = failing_run('tools/test.py', [
        CLASSIFIER, str(checkpoint), '--work-dir', str(tmp_path / 'test'),
        '--cfg-options', *data_options(data), *HEAD10], capsys)
    assert first_bad(data, 'val', 'test_dataloader') in message
    assert 'acc/top1' not in message  # no metrics printed
