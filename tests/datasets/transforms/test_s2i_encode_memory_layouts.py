"""S2IEncode reads any memory layout of ``keypoint`` in place and gives
the same image, bit for bit, as from a C-ordered copy."""
import numpy as np
import pytest

from s2i_mm.datasets.transforms import S2IEncode


def sample(seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.standard_normal((2, 30, 25, 3)).astype(np.float32)
    kp[1] = 0  # padded second person
    kp[0, 3:5] = 0  # first person missing in two frames
    return kp


LAYOUTS = {
    # PoseDecode: kp[:, frame_inds].astype(np.float32) is frame-major
    'frame_major': lambda kp: kp[:, np.arange(kp.shape[1])].astype(
        np.float32),
    'fortran': np.asfortranarray,
    'reversed_frames': lambda kp: np.ascontiguousarray(kp[:, ::-1])[:, ::-1],
    'frame_slice': lambda kp: np.ascontiguousarray(
        kp.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3)[:, 2:],
}


@pytest.mark.parametrize('layout', sorted(LAYOUTS))
@pytest.mark.parametrize('persons', ['side_by_side', 'stacked_time'])
@pytest.mark.parametrize('all_present', [False, True])
def test_layout_does_not_change_the_image(layout, persons, all_present):
    kp = sample()
    if all_present:
        kp[kp == 0] = 0.5
    view = LAYOUTS[layout](kp)
    assert not view.flags.c_contiguous
    reference = np.ascontiguousarray(view)
    encode = S2IEncode(skeleton_format='ntu25', persons=persons, size=None)
    got = encode(dict(keypoint=view))['img']
    want = encode(dict(keypoint=reference))['img']
    assert got.view(np.uint32).tolist() == want.view(np.uint32).tolist()
    assert got.max() == 1.0


def test_general_and_fast_paths_agree():
    """A NaN in an absent person-frame sends the sample to the general
    path (nan='zero'); the image must equal the one without it."""
    kp = sample()
    present = kp.any(axis=(2, 3))
    encode = S2IEncode(skeleton_format='ntu25', size=(40, 60), nan='zero')
    clean = encode(dict(keypoint=kp, keypoint_present=present))['img']
    kp[0, 3, 7, 1] = np.nan  # frame 3 of person 0 is marked absent
    dirty = encode(dict(keypoint=kp, keypoint_present=present))['img']
    assert dirty.view(np.uint32).tolist() == clean.view(np.uint32).tolist()
