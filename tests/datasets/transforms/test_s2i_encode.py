"""S2IEncode: pixel-exact layouts, scaling, resizing and input errors."""
import numpy as np
import pytest
import torch

from s2i_mm.datasets.transforms import S2IEncode, SkeletonSampleError
from s2i_mm.registry import TRANSFORMS

NTU_ORDER = [3, 2, 20, 1, 0, 4, 5, 6, 7, 21, 22, 8, 9, 10, 11, 23, 24, 12,
             13, 14, 15, 16, 17, 18, 19]


def unique_keypoint(persons=2, frames=6, joints=25):
    """Every (person, frame, joint, channel) gets its own value."""
    m, t, v, c = np.meshgrid(
        np.arange(persons), np.arange(frames), np.arange(joints),
        np.arange(3), indexing='ij')
    return (1000. * m + 40. * t + v + 0.1 * c - 500.).astype(np.float32)


def scaled(keypoint, present):
    values = keypoint[present]
    low = values.min(axis=(0, 1))
    high = values.max(axis=(0, 1))
    return (keypoint - low) / (high - low)


def encode(keypoint, **kwargs):
    kwargs.setdefault('size', None)
    results = dict(keypoint=keypoint, skeleton_format='ntu25',
                   frame_dir='S001C001P001R001A001')
    return S2IEncode(**kwargs)(results)


@pytest.mark.parametrize('persons', ['side_by_side', 'stacked_time',
                                     'first'])
def test_every_pixel_is_the_expected_joint(persons):
    kp = unique_keypoint()
    kp[1, 2] = 0  # person 1 absent in frame 2
    present = np.ones(kp.shape[:2], bool)
    present[1, 2] = False
    if persons == 'first':
        expected_values = scaled(kp[:1], present[:1])
    else:
        expected_values = scaled(kp, present)
    img = encode(kp, persons=persons)['img']
    frames = kp.shape[1]
    num = 1 if persons == 'first' else 2
    if persons == 'stacked_time':
        assert img.shape == (num * frames, 25, 3)
    else:
        assert img.shape == (frames, num * 25, 3)
    assert img.dtype == np.float32
    for row in range(img.shape[0]):
        for col in range(img.shape[1]):
            if persons == 'stacked_time':
                m, t, column = divmod(row, frames) + (col, )
            else:
                t = row
                m, column = divmod(col, 25)
            joint = NTU_ORDER[column]
            if present[m, t]:
                want = expected_values[m, t, joint]
            else:
                want = np.zeros(3)
            np.testing.assert_allclose(img[row, col], want, rtol=0,
                                       atol=1e-6)
    assert img.min() == 0.0 and img.max() == pytest.approx(1.0)


def test_missing_persons_are_zero_padded_and_extra_dropped():
    one = unique_keypoint(persons=1)
    img = encode(one, num_persons=3)['img']
    assert img.shape == (6, 75, 3)
    assert not img[:, 25:].any() and img[:, :25].any()
    three = unique_keypoint(persons=3)
    img = encode(three, num_persons=2)['img']
    np.testing.assert_array_equal(img, encode(three[:2])['img'])


def test_default_persons_follow_the_dataset():
    one = unique_keypoint(persons=1)
    # the dataset's largest sample has two persons: the second is padded
    results = dict(keypoint=one, skeleton_format='ntu25', max_persons=2)
    img = S2IEncode(size=None)(results)['img']
    assert img.shape == (6, 50, 3)
    assert not img[:, 25:].any()
    # a single-person dataset: no image area for a second person
    results = dict(keypoint=one, skeleton_format='ntu25', max_persons=1)
    np.testing.assert_array_equal(
        S2IEncode(size=None)(results)['img'],
        encode(one, persons='first')['img'])
    # without the key (a sample from elsewhere): its own persons
    assert encode(one)['img'].shape == (6, 25, 3)
    # an explicit num_persons wins
    results = dict(keypoint=one, skeleton_format='ntu25', max_persons=1)
    assert S2IEncode(size=None, num_persons=3)(
        results)['img'].shape == (6, 75, 3)


def test_centred_scaling_keeps_proportions():
    kp = np.zeros((1, 2, 25, 3), np.float32)
    # ranges x: [0, 2], y: [0, 4] (the largest), z: [1, 2]
    kp[0, 0, :, :] = (0., 0., 1.)
    kp[0, 1, :, :] = (2., 4., 2.)
    kp[0, 1, 0] = (1., 2., 1.5)
    img = encode(kp, persons='first', scaling='centred')['img']
    # every channel centred on 0.5, all divided by the largest range (4)
    np.testing.assert_allclose(img[0, 0], [0.25, 0., 0.375])
    np.testing.assert_allclose(img[1, 1], [0.75, 1., 0.625])
    np.testing.assert_allclose(img[1, NTU_ORDER.index(0)], [.5, .5, .5])


def test_fixed_scaling_uses_given_bounds_and_clips():
    kp = unique_keypoint(persons=1)
    img = encode(kp, persons='first', scaling='fixed',
                 value_range=(-500., 500.))['img']
    expected = np.clip((kp[0][:, NTU_ORDER] + 500.) / 1000., 0, 1)
    np.testing.assert_allclose(img, expected, atol=1e-6)
    per_channel = encode(kp, persons='first', scaling='fixed',
                         value_range=([-500, -500, -1000],
                                      [500, 500, 1000]))['img']
    np.testing.assert_allclose(per_channel[..., 2],
                               (kp[0][:, NTU_ORDER, 2] + 1000) / 2000,
                               atol=1e-6)


def test_constant_channel_maps_to_zero():
    kp = unique_keypoint(persons=1)
    kp[..., 2] = 3.0
    img = encode(kp, persons='first')['img']
    assert not img[..., 2].any()
    assert img[..., 0].max() == pytest.approx(1.0)


def test_default_resize_corners_and_monotonic_columns():
    kp = unique_keypoint(persons=1, frames=10)
    results = encode(kp, persons='first', size=(224, 224))
    img, grid = results['img'], encode(kp, persons='first')['img']
    assert img.shape == (224, 224, 3)
    assert results['ori_shape'] == (10, 25)
    assert results['img_shape'] == (224, 224)
    for row, col in [(0, 0), (0, -1), (-1, 0), (-1, -1)]:
        np.testing.assert_allclose(img[row, col], grid[row, col], atol=1e-6)
    # between grid columns 1 and 2 (each spans 224/25 pixels) the values
    # move monotonically from one joint's value to the next
    left, right = grid[0, 1, 0], grid[0, 2, 0]
    centre = lambda c: int(round((c + 0.5) * 224 / 25 - 0.5))  # noqa: E731
    segment = img[0, centre(1):centre(2) + 1, 0]
    steps = np.diff(segment) * np.sign(right - left)
    assert (steps >= -1e-7).all() and (steps > 0).any()
    assert min(left, right) - 1e-6 <= segment.min()
    assert segment.max() <= max(left, right) + 1e-6


def test_resize_matches_torch_bilinear_for_deferred_resize():
    kp = unique_keypoint(frames=37)
    img = encode(kp, size=(224, 160))['img']
    grid = encode(kp)['img']
    ref = torch.nn.functional.interpolate(
        torch.from_numpy(grid).permute(2, 0, 1)[None], size=(224, 160),
        mode='bilinear', align_corners=False)[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(img, ref, atol=1e-5)


def test_registered_and_uses_format_argument():
    transform = TRANSFORMS.build(
        dict(type='S2IEncode', skeleton_format='kinect20', size=32))
    results = transform(dict(keypoint=unique_keypoint(joints=20)))
    assert results['img'].shape == (32, 32, 3)


def test_nan_policy():
    kp = unique_keypoint()
    kp[0, 3, 7, 1] = np.nan
    with pytest.raises(SkeletonSampleError,
                       match=r"'S001C001P001R001A001'.*frame 3, joint 7 "
                       r'\(left_hand\)'):
        encode(kp)
    kp[1, 1, 0, 0] = np.inf
    img = encode(kp, nan='zero')['img']
    assert np.isfinite(img).all()
    col = 25 * 0 + NTU_ORDER.index(7)
    assert img[3, col, 1] == 0.0
    clean = kp.copy()
    clean[0, 3, 7, 1] = clean[1, 1, 0, 0] = np.nan
    finite = np.isfinite(clean)
    low = np.where(finite, clean, np.inf).min(axis=(0, 1, 2))
    high = np.where(finite, clean, -np.inf).max(axis=(0, 1, 2))
    np.testing.assert_allclose(
        img[2, 0], (kp[0, 2, 3] - low) / (high - low), atol=1e-6)


@pytest.mark.parametrize('keypoint, message', [
    (np.zeros((2, 0, 25, 3), np.float32), 'is empty'),
    (np.zeros((2, 4, 25, 3), np.float32), 'holds no skeleton'),
    (np.ones((2, 4, 17, 3), np.float32), '17 joints but .* has 25'),
    (np.ones((4, 25, 3), np.float32), r'must be \[M, T, V, C\]'),
])
def test_bad_samples_name_the_sample(keypoint, message):
    with pytest.raises(SkeletonSampleError,
                       match=f"S001C001P001R001A001.*{message}"):
        encode(keypoint)


def test_format_errors():
    from s2i_mm.formats import SkeletonFormatError
    with pytest.raises(SkeletonFormatError, match='Unknown skeleton format'):
        S2IEncode(skeleton_format='ntu26')
    with pytest.raises(SkeletonSampleError, match='no "skeleton_format"'):
        S2IEncode()(dict(keypoint=unique_keypoint()))
    with pytest.raises(SkeletonSampleError, match="tagged with skeleton "
                       "format 'ntu25' but .* 'kinect20'"):
        S2IEncode(skeleton_format='kinect20')(
            dict(keypoint=unique_keypoint(), skeleton_format='ntu25'))


@pytest.mark.parametrize('kwargs, message', [
    (dict(persons='diagonal'), 'persons must be one of'),
    (dict(scaling='fixed'), 'needs value_range'),
    (dict(scaling='fixed', value_range=(1, 1)), 'high > low'),
    (dict(value_range=(0, 1)), "only with scaling='fixed'"),
    (dict(nan='ignore'), 'nan must be one of'),
    (dict(size=(0, 4)), 'size must be'),
    (dict(num_persons=0), 'num_persons'),
])
def test_bad_options(kwargs, message):
    with pytest.raises(ValueError, match=message):
        S2IEncode(**kwargs)


def test_multi_clip_encodes_each_clip_channels_first():
    keypoint = unique_keypoint(frames=8)
    results = dict(keypoint=keypoint, skeleton_format='ntu25', num_clips=2,
                   clip_len=4, frame_dir='S001C001P001R001A001')
    out = S2IEncode(size=(16, 12))(results)
    assert out['img'].shape == (2, 3, 16, 12)
    assert out['img_shape'] == (16, 12)
    for clip in range(2):
        alone = encode(keypoint[:, clip * 4:(clip + 1) * 4], size=(16, 12))
        np.testing.assert_array_equal(out['img'][clip],
                                      alone['img'].transpose(2, 0, 1))


def test_multi_clip_frames_must_split_evenly():
    results = dict(keypoint=unique_keypoint(frames=7), skeleton_format='ntu25',
                   num_clips=2, frame_dir='odd')
    with pytest.raises(SkeletonSampleError, match="'odd'.*num_clips=2"):
        S2IEncode()(results)
