"""LabelRangeHook as a unit: the head's num_classes of every kind of model
the configs build, and every dataset inside mixed and wrapped ones (the
hook through the tools is in tests/tools/test_run_guards.py)."""
from types import SimpleNamespace

import pytest
from mmengine.config import Config
from mmengine.dataset import ClassBalancedDataset, RepeatDataset
from mmengine.registry import DefaultScope
from mmengine.runner import BaseLoop

import s2i_mm
from s2i_mm.datasets import MixedFormatDataset, SkeletonDataset
from s2i_mm.datasets.synthetic import generate
from s2i_mm.engine.hooks import LabelRangeHook
from s2i_mm.engine.hooks.label_range_hook import model_num_classes
from s2i_mm.fileio.annotation import SkeletonDataError, dump_annotation_file
from s2i_mm.registry import MODELS

from s2i_testing import FIXTURES, REPO


@pytest.mark.parametrize('config, num_classes', [
    (f'{FIXTURES}/configs/tiny_s2i_classifier.py', 14),
    (f'{FIXTURES}/configs/tiny_s2i_3stream.py', 14),  # late fusion head
    (f'{REPO}/configs/gcn_cpu/stgcn_1xb64-joint-100e_gcn32-cpu.py', 10),
    (f'{FIXTURES}/configs/tiny_s2i_mae.py', None),  # no classifier head
])
def test_num_classes_of_every_kind_of_model(config, num_classes):
    s2i_mm.register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    with DefaultScope.overwrite_default_scope('s2i_mm'):
        model = MODELS.build(cfg.model)
    assert model_num_classes(model) == num_classes


class _Loop(BaseLoop):

    def run(self):
        pass


def _runner(num_classes, **datasets):
    """What the hook reads of a runner: the model, the built loops."""
    runner = SimpleNamespace(
        model=SimpleNamespace(head=SimpleNamespace(num_classes=num_classes)),
        _train_loop=None, _val_loop=None, _test_loop=dict(type='unbuilt'))
    for stage, dataset in datasets.items():
        setattr(runner, f'_{stage}_loop',
                _Loop(runner, SimpleNamespace(dataset=dataset)))
    return runner


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    """Two layouts: NTU (14 classes) and NW-UCLA-like kinect20 (labels 0
    to 13 as well)."""
    root = tmp_path_factory.mktemp('labels')
    paths = {}
    for fmt, data in generate(num_per_class=1, seed=0,
                              formats=('ntu25', 'kinect20')).items():
        paths[fmt] = str(root / f'{fmt}.pkl')
        dump_annotation_file(data, paths[fmt])
    return paths


def test_every_member_of_mixed_and_wrapped_datasets_is_checked(files):
    ntu = SkeletonDataset(files['ntu25'], cache=False)
    kinect = SkeletonDataset(files['kinect20'], split='val', cache=False)
    mixed = MixedFormatDataset([ntu, kinect])
    hook = LabelRangeHook()
    hook.before_run(_runner(14, train=mixed,
                            val=RepeatDataset(kinect, times=2),
                            test=ClassBalancedDataset(ntu, 0.1)))
    # every label fits
    # the first member too small: the error names its file and sample
    with pytest.raises(SkeletonDataError) as info:
        hook.before_run(_runner(13, train=mixed))
    bad = next(i for i in range(len(ntu))
               if ntu.get_data_info(i)['label'] == 13)
    assert str(info.value).startswith(
        f"{files['ntu25']}: sample {bad} of the train_dataloader dataset "
        f"('{ntu.get_data_info(bad)['frame_dir']}'): label 13, but the "
        "model's head has num_classes=13")
    # the other layout, wrapped, in the validation and test loaders
    for stage in ('val', 'test'):
        with pytest.raises(SkeletonDataError, match=(
                rf"kinect20.pkl: sample \d+ of the {stage}_dataloader "
                r"dataset \('\w+', split 'val'\): label [1-9]\d*, but "
                "the model's head has num_classes=1 ")):
            hook.before_run(_runner(1, **{stage: RepeatDataset(kinect, 2)}))
    # loops not built for this run (the test loop of a training run) are
    # not read; a model without a classification head is not checked
    hook.before_run(_runner(None, train=mixed))
