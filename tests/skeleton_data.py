"""Tiny hand-written skeleton annotations shared by the dataset tests."""
import numpy as np


def make_sample(name, label, num_frames=6, num_joints=25, bodies=1,
                seed=0):
    """One sample; body 1 (if any) is all zeros, as NTU pads it."""
    rng = np.random.default_rng(seed)
    keypoint = np.zeros((max(bodies, 1), num_frames, num_joints, 3),
                        np.float32)
    keypoint[0] = rng.uniform(-1, 1, (num_frames, num_joints, 3))
    return dict(frame_dir=name, label=label, total_frames=num_frames,
                keypoint=keypoint)


def make_data(num_per_class=4, num_classes=3, skeleton_format='ntu25',
              num_joints=25):
    annotations = [
        make_sample(f'c{c}_{i}', c, num_frames=5 + i, seed=10 * c + i,
                    num_joints=num_joints)
        for c in range(num_classes) for i in range(num_per_class)
    ]
    names = [a['frame_dir'] for a in annotations]
    data = dict(split=dict(train=names[::2], val=names[1::2]),
                annotations=annotations)
    if skeleton_format:
        data['skeleton_format'] = skeleton_format
    return data


def assert_identical(a, b):
    """Equal values of equal types, nested; arrays by dtype, shape and
    content (NaN equal to NaN)."""
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for key in a:
            assert_identical(a[key], b[key])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_identical(x, y)
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and (a == b or (a != a and b != b))
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b
