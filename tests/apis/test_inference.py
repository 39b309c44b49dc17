"""inference_skeleton: the same scores as the test loop, from any input."""
import os
import pickle
import sys

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.registry import DefaultScope

from s2i_mm.apis import inference_skeleton, init_recognizer
from s2i_mm.datasets.synthetic import CLASSES, generate
from s2i_mm.fileio.annotation import dump_annotation_file
from s2i_mm.registry import DATASETS

from s2i_testing import FIXTURES, run_cmd

CONFIG = f'{FIXTURES}/configs/tiny_s2i_classifier.py'


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """An annotation file and a checkpoint that names its classes."""
    root = tmp_path_factory.mktemp('inference')
    data = generate(num_per_class=1, seed=3, formats=('ntu25', ))['ntu25']
    ann_file = str(root / 'tiny.pkl')
    dump_annotation_file(data, ann_file)
    torch.manual_seed(0)
    model = init_recognizer(CONFIG)
    ckpt = str(root / 'tiny.pth')
    # as tools/train.py saves it: the train dataset's metainfo (classes
    # and the number of persons S2IEncode lays out)
    torch.save(dict(state_dict=model.state_dict(),
                    meta=dict(dataset_meta=dict(classes=list(CLASSES),
                                                max_persons=2))),
               ckpt)
    return ann_file, ckpt, data


def _test_loop_scores(ann_file, model, index):
    cfg = Config.fromfile(CONFIG)
    cfg.test_dataloader.dataset.ann_file = ann_file
    with DefaultScope.overwrite_default_scope('s2i_mm'):
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    sample = dataset[index]
    assert sample['inputs'].shape == (2, 3, 32, 32)  # 2 clips
    with torch.no_grad():
        pred = model.test_step(pseudo_collate([sample]))[0]
    return sample['data_samples'].frame_dir, pred.pred_score.numpy()


def test_same_scores_as_the_test_loop(trained):
    ann_file, ckpt, _ = trained
    model = init_recognizer(CONFIG, ckpt)
    frame_dir, expected = _test_loop_scores(ann_file, model, 1)
    pred = inference_skeleton(model, ann_file, sample=frame_dir)
    np.testing.assert_allclose(pred.scores, expected, rtol=1e-5, atol=1e-6)
    assert pred.classes == tuple(CLASSES)
    assert pred.pred_class == CLASSES[int(expected.argmax())]
    assert pred.topk(3)[0][0] == int(expected.argmax())


def test_the_person_layout_of_training_or_one_clear_error(trained,
                                                          tmp_path):
    """A checkpoint without ``max_persons`` (older, or none): the layout is
    not guessed from the input sample."""
    ann_file, ckpt, data = trained
    model = init_recognizer(CONFIG, ckpt)
    frame_dir, expected = _test_loop_scores(ann_file, model, 1)
    one_person = data['annotations'][1]['keypoint'][:1]
    model.dataset_meta = dict(classes=list(CLASSES))  # nothing recorded
    with pytest.raises(ValueError, match='pass max_persons='):
        inference_skeleton(model, one_person, format='ntu25')
    # given: the same scores as the test loop (2 persons laid out)
    pred = inference_skeleton(model, ann_file, sample=frame_dir,
                              max_persons=2)
    np.testing.assert_allclose(pred.scores, expected, rtol=1e-5, atol=1e-6)
    # a layout the config fixes needs nothing
    model.cfg.test_dataloader.dataset.pipeline[-2]['num_persons'] = 2
    inference_skeleton(model, one_person, format='ntu25')


def test_config_and_array_input(trained):
    ann_file, ckpt, data = trained
    ann = data['annotations'][0]
    by_array = inference_skeleton(CONFIG, ann['keypoint'][0], checkpoint=ckpt,
                                  format='ntu25')  # one person, [T, V, C]
    assert by_array.scores.shape == (14, )
    assert by_array.scores.sum() == pytest.approx(1.0, abs=1e-5)


def test_bad_inputs_are_named(trained, tmp_path):
    _, ckpt, data = trained
    model = init_recognizer(CONFIG, ckpt)
    keypoint = data['annotations'][0]['keypoint']
    with pytest.raises(ValueError, match="20 joints.*'ntu25' has 25"):
        inference_skeleton(model, keypoint[:, :, :20])
    bad = keypoint.copy()
    bad[0, 3, 4, 1] = np.nan
    np.save(tmp_path / 'nan.npy', bad)
    with pytest.raises(ValueError, match='nan.npy.*NaN'):
        inference_skeleton(model, str(tmp_path / 'nan.npy'))
    with pytest.raises(ValueError, match='unsupported'):
        inference_skeleton(model, str(tmp_path / 'x.csv'))


@pytest.mark.e2e
def test_demo_skeleton_prints_top5(trained):
    ann_file, ckpt, _ = trained
    out = run_cmd([sys.executable, 'demo/demo_skeleton.py', CONFIG, ckpt,
                   ann_file, '--sample', '2']).stdout
    assert 'top-5' in out
    assert sum(name in out for name in CLASSES) == 5


def test_code_in_a_keypoint_pickle_never_runs(trained, tmp_path):
    from s2i_mm.fileio import SkeletonDataError
    _, ckpt, data = trained
    model = init_recognizer(CONFIG, ckpt)
    flag = tmp_path / 'ran'

    class Payload:
        def __reduce__(self):
            return (os.system, (f'touch {flag}', ))

    ann = dict(data['annotations'][0], label=Payload())
    path = tmp_path / 'x.pkl'
    path.write_bytes(pickle.dumps(ann))
    with pytest.raises(SkeletonDataError, match='x.pkl.*system'):
        inference_skeleton(model, str(path))
    assert not flag.exists()


@pytest.mark.parametrize('channels', [2, 4])
def test_channel_count_is_checked_up_front(trained, channels):
    _, ckpt, data = trained
    model = init_recognizer(CONFIG, ckpt)
    keypoint = data['annotations'][0]['keypoint']
    wrong = np.zeros(keypoint.shape[:3] + (channels, ), np.float32)
    wrong[..., :min(channels, 3)] = keypoint[..., :min(channels, 3)]
    with pytest.raises(ValueError) as info:
        inference_skeleton(model, wrong)
    assert f'{channels} channels' in str(info.value)
    assert '[M, T, 25, 3]' in str(info.value)


@pytest.mark.parametrize('preprocess', [
    None,  # the config's default: DEFAULT_PREPROCESS
    dict(drop_empty=True, center=True, align=True),
])
def test_inference_preprocesses_exactly_as_the_dataset(trained, tmp_path,
                                                       preprocess):
    """The keypoints inference feeds its pipeline are the dataset's, to
    the bit: both call the same preprocessing function with the test
    dataset's options (here through the dataset's cache)."""
    from s2i_mm.apis.inference import prepare_input
    from s2i_mm.datasets import SkeletonDataset
    ann_file, _, data = trained
    dataset_cfg = dict(Config.fromfile(CONFIG).test_dataloader.dataset)
    dataset_cfg.update(ann_file=ann_file, cache=True,
                       cache_dir=str(tmp_path / 'cache'), pipeline=[])
    if preprocess is not None:
        dataset_cfg['preprocess'] = preprocess
    dataset = SkeletonDataset(
        **{k: v for k, v in dataset_cfg.items() if k != 'type'})
    originals = {a['frame_dir']: a['keypoint'] for a in data['annotations']}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        for given in (ann_file, originals[info['frame_dir']]):
            keypoint, _, fmt = prepare_input(given, dataset_cfg,
                                             sample=info['frame_dir'])
            assert fmt.name == 'ntu25'
            assert keypoint.dtype == info['keypoint'].dtype
            np.testing.assert_array_equal(keypoint, info['keypoint'])


def test_mmaction2_habits_model_then_file(trained, tmp_path):
    """A built model and a file, ``sample=`` by keyword (the call that
    failed with a TypeError while ``checkpoint`` was positional); a
    checkpoint only goes with a config."""
    ann_file, ckpt, _ = trained
    model = init_recognizer(CONFIG, ckpt)
    by_model = inference_skeleton(model, ann_file, sample=2)
    by_config = inference_skeleton(CONFIG, ann_file, checkpoint=ckpt,
                                   sample=2)
    np.testing.assert_allclose(by_model.scores, by_config.scores,
                               atol=1e-6)
    with pytest.raises(TypeError, match='checkpoint= is for a config'):
        inference_skeleton(model, ann_file, checkpoint=ckpt)
    with pytest.raises(TypeError):  # the old (model, checkpoint, file)
        inference_skeleton(CONFIG, ckpt, ann_file)


def test_init_recognizer_refuses_another_models_checkpoint(trained,
                                                           tmp_path):
    from s2i_mm.apis.checkpoint_fit import CheckpointMismatchError
    _, ckpt, _ = trained
    with pytest.raises(CheckpointMismatchError,
                       match=r"2 shapes differ \(head.fc.weight "
                       r"\(checkpoint \[14, 32\], model \[10, 32\]\)"):
        init_recognizer(CONFIG, ckpt,
                        cfg_options={'model.head.num_classes': 10})
