"""SkeletonModality: bone and motion against hand-computed values."""
import numpy as np
import pytest

from s2i_mm.datasets.transforms import S2IEncode, SkeletonModality
from s2i_mm.formats import SkeletonFormat

# a 4-joint chain: pelvis (centre) <- chest <- head, pelvis <- knee
TINY = SkeletonFormat(
    'tiny_modality', ['pelvis', 'chest', 'head', 'knee'],
    parents=[None, 'pelvis', 'chest', 'pelvis'],
    parts=['torso', 'torso', 'torso', 'left_leg'])


def tiny_keypoint():
    """One person, 3 frames, 4 joints, (x, y, z)."""
    return np.array([[
        [[0, 0, 0], [0, 1, 0], [0, 2, 1], [1, -1, 0]],
        [[1, 0, 0], [1, 2, 0], [1, 4, 1], [2, -1, 2]],
        [[1, 1, 1], [2, 3, 1], [3, 5, 3], [2, 0, 2]],
    ]], np.float32)


def apply(modalities, keypoint=None, fmt=TINY):
    results = dict(keypoint=tiny_keypoint() if keypoint is None else
                   keypoint)
    return SkeletonModality(modalities, skeleton_format=fmt)(results)


def test_joint_is_identity():
    out = apply('joint')
    np.testing.assert_array_equal(out['keypoint'], tiny_keypoint())
    assert out['keypoint_present'].all()


def test_bone_is_joint_minus_parent():
    # frame 1: chest - pelvis = (0,2,0); head - chest = (0,2,1);
    # knee - pelvis = (1,-1,2); pelvis (centre) = 0
    np.testing.assert_array_equal(
        apply('b')['keypoint'][0, 1],
        [[0, 0, 0], [0, 2, 0], [0, 2, 1], [1, -1, 2]])


def test_motion_is_next_minus_current_last_zero():
    out = apply('m')['keypoint'][0]
    np.testing.assert_array_equal(
        out[0], [[1, 0, 0], [1, 1, 0], [1, 2, 0], [1, 0, 2]])
    np.testing.assert_array_equal(
        out[1], [[0, 1, 1], [1, 1, 1], [2, 1, 2], [0, 1, 0]])
    assert not out[2].any()


def test_bone_motion():
    bones = apply('b')['keypoint'][0]
    np.testing.assert_array_equal(apply('bm')['keypoint'][0, 0],
                                  bones[1] - bones[0])


def test_streams_stack_along_channels_in_order():
    out = apply(('j', 'b', 'm'))['keypoint']
    assert out.shape == (1, 3, 4, 9)
    np.testing.assert_array_equal(out[..., 3:6], apply('b')['keypoint'])
    np.testing.assert_array_equal(out[..., 6:], apply('m')['keypoint'])


def test_motion_is_zero_across_absent_frames():
    kp = np.concatenate([tiny_keypoint(), tiny_keypoint()])
    kp[1, 1] = 0  # second person missing in the middle frame
    results = apply('m', kp)
    assert not results['keypoint'][1, :2].any()
    assert results['keypoint_present'].tolist() == [[True] * 3,
                                                     [True, False, True]]


def test_static_person_motion_stays_present_in_s2i():
    # a person standing still has all-zero motion but is present: S2I
    # must scale it like the others (not blank it as absent)
    kp = np.repeat(tiny_keypoint()[:, :1], 3, axis=1)
    kp[0, 2] += 1  # moves only between frames 1 and 2
    results = apply('m', kp)
    img = S2IEncode(skeleton_format=TINY, persons='first',
                    size=None)(results)['img']
    # frame 0 has zero motion, frame 1 motion +1: min-max gives 0 and 1
    assert img[0].max() == 0.0 and img[1].min() == 1.0


def test_ntu_bone_uses_format_tree():
    rng = np.random.default_rng(0)
    kp = rng.normal(size=(2, 5, 25, 3)).astype(np.float32)
    out = apply('b', kp, fmt='ntu25')['keypoint']
    # left hand tip (21) hangs on the left hand (7), the centre is zero
    np.testing.assert_allclose(out[..., 21, :], kp[..., 21, :] - kp[..., 7, :])
    assert not out[..., 20, :].any()


def test_score_channel_is_averaged_for_2d():
    kp = np.zeros((1, 2, 17, 3), np.float32)
    kp[..., 2] = np.array([0.5, 1.0])[None, :, None]
    kp[0, :, 5, 2] = 0.9  # left shoulder score; its parent is the nose
    kp[..., :2] = 1
    bone = apply('b', kp, fmt='coco17')['keypoint']
    assert bone[0, 0, 5, 2] == pytest.approx((0.9 + 0.5) / 2)
    motion = apply('m', kp, fmt='coco17')['keypoint']
    assert motion[0, 0, 0, 2] == pytest.approx(0.75)


def test_unknown_modality():
    with pytest.raises(ValueError, match='Unknown modalities'):
        SkeletonModality('velocity', skeleton_format='ntu25')


def test_motion_stops_at_clip_boundaries():
    keypoint = np.concatenate([tiny_keypoint()] * 2, axis=1)  # 2 clips of 3
    results = SkeletonModality('m', skeleton_format=TINY)(
        dict(keypoint=keypoint, num_clips=2, clip_len=3))
    one_clip = apply('m')['keypoint']
    np.testing.assert_array_equal(results['keypoint'][:, :3], one_clip)
    np.testing.assert_array_equal(results['keypoint'][:, 3:], one_clip)
    assert not results['keypoint'][:, 2].any()  # no jump into clip 2
