"""RandomSkeletonAffine: rigid rotation, per-axis scale and shear of whole
samples, absent person-frames kept empty, any layout."""
import numpy as np
import pytest

from s2i_mm.datasets.transforms import RandomSkeletonAffine
from s2i_mm.datasets.transforms.skeleton_augment import random_affine_matrix


def sample(persons=2, frames=5, joints=25, seed=0):
    rng = np.random.default_rng(seed)
    keypoint = rng.uniform(-1, 1, (persons, frames, joints, 3)).astype(
        np.float32)
    keypoint[1, 2:] = 0  # the second person leaves after frame 1
    return dict(keypoint=keypoint, skeleton_format='ntu25')


def pairwise(points):
    return np.linalg.norm(points[:, None] - points[None], axis=-1)


def test_rotation_is_one_rigid_motion_of_the_whole_sample():
    results = sample()
    before = results['keypoint'].copy()
    out = RandomSkeletonAffine(rotate=45, seed=3)(results)['keypoint']
    present = before[0].reshape(-1, 3)
    moved = out[0].reshape(-1, 3)
    # distances between all joints of all frames are kept: rigid, and the
    # same rotation for every frame
    np.testing.assert_allclose(pairwise(moved), pairwise(present),
                               atol=1e-5)
    assert not np.allclose(moved, present)
    # the map is linear about the origin: it fits one 3 x 3 matrix
    matrix, *_ = np.linalg.lstsq(present, moved, rcond=None)
    np.testing.assert_allclose(present @ matrix, moved, atol=1e-5)
    np.testing.assert_allclose(matrix.T @ matrix, np.eye(3), atol=1e-5)


def test_rotation_about_the_vertical_axis_keeps_heights():
    results = sample()
    before = results['keypoint'].copy()
    out = RandomSkeletonAffine(rotate=(0, 90, 0), seed=1)(results)
    np.testing.assert_allclose(out['keypoint'][..., 1], before[..., 1],
                               atol=1e-6)
    assert not np.allclose(out['keypoint'][0, ..., 0], before[0, ..., 0])


def test_absent_person_frames_stay_zero():
    out = RandomSkeletonAffine(rotate=30, scale=0.2, shear=0.3, seed=0)(
        sample())['keypoint']
    assert not out[1, 2:].any()
    assert out[1, :2].any() and out[0].all()


def test_scale_and_shear_bounds():
    rng = np.random.default_rng(0)
    for _ in range(200):
        scale_only = random_affine_matrix(rng, np.zeros(3),
                                          np.array([.1, .2, .3]),
                                          np.zeros(3))
        factors = np.diag(scale_only)
        assert np.allclose(scale_only, np.diag(factors))
        assert np.all(np.abs(factors - 1) <= [.1, .2, .3])
        shear_only = random_affine_matrix(rng, np.zeros(3), np.zeros(3),
                                          np.full(3, .25))
        assert np.allclose(np.diag(shear_only), 1)
        assert np.abs(shear_only - np.eye(3)).max() <= .25


def test_all_zero_ranges_are_the_identity():
    results = sample()
    before = results['keypoint'].copy()
    out = RandomSkeletonAffine()(results)['keypoint']
    np.testing.assert_array_equal(out, before)


def test_seeded_transform_repeats_and_draws_a_new_map_per_sample():
    first = RandomSkeletonAffine(rotate=30, seed=7)
    second = RandomSkeletonAffine(rotate=30, seed=7)
    a1, a2 = (first(sample())['keypoint'] for _ in range(2))
    b1 = second(sample())['keypoint']
    np.testing.assert_array_equal(a1, b1)
    assert not np.allclose(a1, a2)


def test_global_numpy_seed_drives_the_unseeded_transform():
    # mmengine seeds numpy in every worker; the unseeded transform follows
    np.random.seed(5)
    a = RandomSkeletonAffine(rotate=30)(sample())['keypoint']
    np.random.seed(5)
    b = RandomSkeletonAffine(rotate=30)(sample())['keypoint']
    np.testing.assert_array_equal(a, b)


def test_score_channel_of_a_2d_format_is_untouched():
    rng = np.random.default_rng(0)
    keypoint = rng.uniform(0.1, 1, (1, 4, 17, 3)).astype(np.float32)

    def moved(rotate):
        return RandomSkeletonAffine(rotate=rotate, seed=0)(dict(
            keypoint=keypoint.copy(), skeleton_format='coco17'))['keypoint']

    out = moved(40)
    np.testing.assert_array_equal(out[..., 2], keypoint[..., 2])
    assert not np.allclose(out[..., :2], keypoint[..., :2])
    # a rotation about the camera axis is a rotation in the image plane
    out = moved((0, 0, 40))
    np.testing.assert_allclose(pairwise(out[0, 0, :, :2]),
                               pairwise(keypoint[0, 0, :, :2]), atol=1e-5)
    assert not np.allclose(out[..., :2], keypoint[..., :2])


@pytest.mark.parametrize('kwargs', [dict(rotate=-1), dict(scale=1.0),
                                    dict(shear=(0, -.1, 0))])
def test_bad_ranges_are_refused(kwargs):
    with pytest.raises(ValueError):
        RandomSkeletonAffine(**kwargs)
