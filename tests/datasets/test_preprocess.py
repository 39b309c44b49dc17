"""The once-per-dataset preprocessing, as a unit (no dataset around it)."""
import numpy as np
import pytest
from skeleton_data import make_data

from s2i_mm.datasets.preprocess import (
    DEFAULT_PREPROCESS,
    merge_score_channel,
    normalize_preprocess,
    prepare_annotations,
    preprocess_keypoint,
    preprocess_sample,
)
from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.formats import get_format

NTU = get_format('ntu25')
ALL = dict(drop_empty=True, center=True, align=False)


def _walker(num_frames=4, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(1, 2, (1, num_frames, 25, 3)).astype(np.float32)


def test_normalize_fills_every_key_and_none_means_nothing():
    assert normalize_preprocess(None) is None
    assert normalize_preprocess({}) is None
    assert normalize_preprocess(dict(center=False)) is None
    assert normalize_preprocess(DEFAULT_PREPROCESS) == DEFAULT_PREPROCESS
    aligned = normalize_preprocess(dict(align=True))
    assert aligned['align'] == dict(
        across=['right_shoulder', 'left_shoulder'], vertical_axis=1)
    assert not aligned['center'] and not aligned['drop_empty']
    with pytest.raises(ValueError, match='unknown preprocess options'):
        normalize_preprocess(dict(centre=True))


def test_no_options_return_the_input_itself():
    keypoint = _walker()
    assert preprocess_keypoint(keypoint, None, NTU.joint_names,
                               NTU.center) is keypoint


def test_empty_bodies_and_frames_dropped_main_actor_first():
    keypoint = np.zeros((3, 5, 25, 3), np.float32)
    keypoint[1, :4] = _walker(4)[0]  # body 1 in 4 frames: the main actor
    keypoint[2, 1] = 5.0             # body 2 in one frame; body 0 empty
    # frame 4: every body is empty
    out = preprocess_keypoint(keypoint, dict(ALL, center=False),
                              NTU.joint_names, NTU.center)
    assert out.shape == (2, 4, 25, 3)
    np.testing.assert_array_equal(out[0], keypoint[1, :4])
    np.testing.assert_array_equal(out[1], keypoint[2, :4])
    with pytest.raises(ValueError, match='every frame is empty'):
        preprocess_keypoint(np.zeros((1, 3, 25, 3), np.float32), ALL,
                            NTU.joint_names, NTU.center)


def test_centre_is_the_first_frame_where_the_centre_joint_is_present():
    keypoint = _walker(4)
    keypoint[0, 0, NTU.center] = 0  # missing in frame 0
    keypoint[0, 2, 7] = 0           # a missing joint elsewhere
    out = preprocess_keypoint(keypoint, dict(ALL, drop_empty=False),
                              NTU.joint_names, NTU.center)
    origin = keypoint[0, 1, NTU.center]
    np.testing.assert_allclose(out[0, 1, NTU.center], 0, atol=1e-6)
    np.testing.assert_allclose(out[0, 3], keypoint[0, 3] - origin,
                               atol=1e-6)
    assert not out[0, 0, NTU.center].any()  # missing joints stay zero
    assert not out[0, 2, 7].any()


def test_only_coordinate_channels_move():
    coco = get_format('coco17')  # x, y, score
    keypoint = np.random.default_rng(0).uniform(
        1, 2, (1, 3, 17, 3)).astype(np.float32)
    out = preprocess_sample(keypoint, coco, ALL)
    np.testing.assert_array_equal(out[..., 2], keypoint[..., 2])
    np.testing.assert_allclose(out[0, 0, coco.center, :2], 0, atol=1e-6)
    with pytest.raises(ValueError, match='align needs 3D'):
        preprocess_sample(keypoint, coco, normalize_preprocess(
            dict(align=True)))


def test_align_puts_the_shoulders_on_x():
    keypoint = _walker(3, seed=4)
    out = preprocess_sample(keypoint, NTU,
                            normalize_preprocess(dict(align=True)))
    names = list(NTU.joint_names)
    across = (out[0, 0, names.index('left_shoulder')]
              - out[0, 0, names.index('right_shoulder')])
    assert across[0] > 0 and abs(across[2]) < 1e-5
    # a rotation: distances between joints are kept
    np.testing.assert_allclose(np.linalg.norm(out[0, 0, 3] - out[0, 0, 9]),
                               np.linalg.norm(keypoint[0, 0, 3]
                                              - keypoint[0, 0, 9]),
                               rtol=1e-5)


def test_preprocess_sample_is_preprocess_keypoint_with_the_format():
    keypoint = _walker(5, seed=2)
    options = normalize_preprocess(dict(ALL, align=True))
    np.testing.assert_array_equal(
        preprocess_sample(keypoint, NTU, options),
        preprocess_keypoint(keypoint, options, NTU.joint_names, NTU.center,
                            3))


def test_prepare_annotations_checks_merges_and_names_the_bad_sample():
    data = make_data(num_per_class=1)
    first = data['annotations'][0]['keypoint'].copy()
    prepare_annotations(data, NTU, normalize_preprocess(ALL), 'f.pkl')
    ann = data['annotations'][0]
    np.testing.assert_array_equal(
        ann['keypoint'], preprocess_sample(first, NTU,
                                           normalize_preprocess(ALL)))
    assert ann['total_frames'] == ann['keypoint'].shape[1]
    assert data['skeleton_format'] == 'ntu25'
    data = make_data(num_per_class=1)
    data['annotations'][1]['keypoint'][:] = 0
    with pytest.raises(SkeletonDataError,
                       match=r"f.pkl: sample 1 \('c1_0'\): every frame"):
        prepare_annotations(data, NTU, normalize_preprocess(ALL), 'f.pkl')


def test_merge_score_channel():
    keypoint = np.ones((1, 2, 17, 2), np.float32)
    score = np.full((1, 2, 17), 0.5, np.float32)
    ann = dict(frame_dir='a', keypoint=keypoint, keypoint_score=score)
    merged = merge_score_channel(ann, ('x', 'y', 'score'))
    assert 'keypoint_score' not in merged
    np.testing.assert_array_equal(merged['keypoint'][..., 2], score)
    assert merge_score_channel(ann, ('x', 'y', 'z')) is ann
