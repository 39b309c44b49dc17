"""FastUniformSampleFrames gives exactly mmaction2's frame indices."""
import numpy as np
import pytest
from mmaction.datasets.transforms import UniformSampleFrames

from s2i_mm.datasets.transforms import (
    FastUniformSampleFrames,
    SkeletonSampleError,
)


@pytest.mark.parametrize('test_mode', [False, True])
@pytest.mark.parametrize('frames', [7, 30, 45, 100, 301])
@pytest.mark.parametrize('num_clips', [1, 3])
def test_same_frame_inds_as_upstream(test_mode, frames, num_clips):
    rng = np.random.default_rng(frames)
    kp = rng.normal(size=(2, frames, 25, 3)).astype(np.float32)
    kp[1, frames // 3:] = 0  # second person leaves: transitional frames
    args = dict(clip_len=30, num_clips=num_clips, test_mode=test_mode)
    outputs = []
    for cls in (UniformSampleFrames, FastUniformSampleFrames):
        np.random.seed(1234)
        results = cls(**args)(dict(keypoint=kp, total_frames=frames))
        outputs.append(results)
        assert results['keypoint'] is kp
    np.testing.assert_array_equal(outputs[0]['frame_inds'],
                                  outputs[1]['frame_inds'])
    assert outputs[0]['frame_inds'].dtype == outputs[1]['frame_inds'].dtype
    for key in ('clip_len', 'num_clips', 'frame_interval'):
        assert outputs[0][key] == outputs[1][key]


def test_frame_count_mismatch_names_sample():
    kp = np.ones((1, 10, 25, 3), np.float32)
    with pytest.raises(SkeletonSampleError, match="'clip7'.*total_frames"):
        FastUniformSampleFrames(5)(
            dict(keypoint=kp, total_frames=12, frame_dir='clip7'))
