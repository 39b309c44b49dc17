
import numpy as np
import pytest

from s2i_mm.datasets import SkeletonDataset
from s2i_mm.datasets.synthetic import (
    CLASSES,
    TWO_PERSON,
    generate,
    layout_indices,
)
from s2i_mm.formats import get_format

from s2i_testing import run_tool


@pytest.fixture(scope='module')
def small():
    return generate(num_per_class=3, seed=7)


def test_schema_and_ranges(small):
    data = small['ntu25']
    assert data['classes'] == list(CLASSES) and len(CLASSES) >= 14
    assert data['skeleton_format'] == 'ntu25'
    anns = data['annotations']
    assert len(anns) == 3 * len(CLASSES)
    assert set(data['split']['train']).isdisjoint(data['split']['val'])
    assert sorted(data['split']['train'] + data['split']['val']) == sorted(
        a['frame_dir'] for a in anns)
    for ann in anns:
        kp = ann['keypoint']
        assert kp.dtype == np.float32 and kp.shape[0] == 2
        assert 40 <= kp.shape[1] == ann['total_frames'] <= 150
        assert np.isfinite(kp).all()
        second = np.abs(kp[1]).sum() > 0
        assert second == (CLASSES[ann['label']] in TWO_PERSON)
        dropped = ~np.any(kp != 0, axis=(0, 2, 3))
        assert dropped.sum() <= 5  # a few dropped frames at most


def test_deterministic(small):
    again = generate(num_per_class=3, seed=7)
    for a, b in zip(small['ntu25']['annotations'],
                    again['ntu25']['annotations']):
        np.testing.assert_array_equal(a['keypoint'], b['keypoint'])
    other = generate(num_per_class=1, seed=8, formats=['ntu25'])
    assert not np.array_equal(other['ntu25']['annotations'][0]['keypoint'],
                              small['ntu25']['annotations'][0]['keypoint'])


def test_layouts_agree_joint_by_joint(small):
    ntu = get_format('ntu25')
    for name in ('kinect20', 'lcrnet13'):
        fmt = get_format(name)
        index = layout_indices('ntu25', name)
        for joint, src in zip(fmt.joint_names, index):
            expected = {'hip_center': 'spine_base', 'spine': 'spine_mid',
                        'shoulder_center': 'spine_shoulder'}.get(joint, joint)
            assert ntu.joint_names[src] == expected
        for a, b in zip(small['ntu25']['annotations'],
                        small[name]['annotations']):
            assert a['frame_dir'] == b['frame_dir']
            assert b['keypoint'].shape[2] == fmt.num_joints
            np.testing.assert_array_equal(b['keypoint'],
                                          a['keypoint'][:, :, index])


def _motion_of(data, part_joints):
    """Mean per-class spread over time of some ntu25 joints."""
    out = {}
    for ann in data['annotations']:
        kp = ann['keypoint'][0]
        kp = kp[np.any(kp != 0, axis=(1, 2))]
        spread = kp[:, part_joints].std(axis=0).mean()
        out.setdefault(CLASSES[ann['label']], []).append(spread)
    return {k: float(np.mean(v)) for k, v in out.items()}


def test_classes_move_the_limbs_they_name():
    data = generate(num_per_class=4, seed=1, difficulty=0.0,
                    formats=['ntu25'])['ntu25']
    left_hand, right_hand = [7], [11]
    left = _motion_of(data, left_hand)
    right = _motion_of(data, right_hand)
    assert left['wave_left'] > 2 * left['wave_right']
    assert right['wave_right'] > 2 * right['wave_left']
    feet = _motion_of(data, [15, 19])
    assert feet['kick'] > 2 * feet['clap']


def test_difficulty_raises_noise():
    def jitter(d):
        ann = generate(1, seed=3, difficulty=d,
                       formats=['ntu25'])['ntu25']['annotations'][7]  # bow
        kp = ann['keypoint'][0]
        kp = kp[np.any(kp != 0, axis=(1, 2))]
        return np.abs(np.diff(kp, 2, axis=0)).mean()  # frame-to-frame
    assert jitter(1.0) > 2 * jitter(0.0)


def test_tool_writes_all_layouts_readable(tmp_path):
    run_tool('tools/data/make_synthetic.py', tmp_path, '--num-per-class',
             '2', '--store')
    for name in ('ntu25', 'kinect20', 'lcrnet13'):
        ds = SkeletonDataset(str(tmp_path / f'synthetic_{name}.pkl'),
                             split='train', cache=False)
        store = SkeletonDataset(str(tmp_path / f'synthetic_{name}'),
                                split='train', cache=False)
        assert ds.skeleton_format == name and ds.num_classes == len(CLASSES)
        assert len(ds) == len(store) > 0
        np.testing.assert_allclose(ds[0]['keypoint'], store[0]['keypoint'],
                                   atol=1e-6)
