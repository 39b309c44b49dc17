"""mmaction2's ``UniformSampleFrames`` without its per-frame Python loop."""
from mmaction.datasets.transforms import UniformSampleFrames

from s2i_mm.registry import TRANSFORMS

from .skeleton_sample import SkeletonSampleError, describe_sample

__all__ = ['FastUniformSampleFrames']


@TRANSFORMS.register_module()
class FastUniformSampleFrames(UniformSampleFrames):
    """:class:`mmaction.datasets.transforms.UniformSampleFrames`, with the
    same arguments and the same ``frame_inds``, at a fraction of the cost.

    When ``keypoint`` is in the results, the upstream transform walks every
    frame and person in Python to flag "transitional" frames, then uses the
    flags only to choose between the integer indices and the same indices
    as floats, which are equal: the loop cannot change ``frame_inds``
    (a test checks the outputs are identical) but costs about 0.3 ms for
    100 frames of 2 persons, more than the whole S2I encoding. We run the
    upstream transform (its sampling code unchanged) with ``keypoint`` held
    aside, after checking the frame count the upstream loop asserts.

    Required Keys:

        - total_frames
        - start_index (optional)
        - keypoint (optional): only its frame count is checked.

    Added Keys:

        - frame_inds
        - frame_interval
        - num_clips
        - clip_len

    Args: as :class:`~mmaction.datasets.transforms.UniformSampleFrames`.
    """

    def transform(self, results: dict) -> dict:
        """Sample ``frame_inds`` like ``UniformSampleFrames``."""
        keypoint = results.pop('keypoint', None)
        if keypoint is None:
            return super().transform(results)
        try:
            frames = results.get('total_frames')
            if frames is None or keypoint.shape[1] != frames:
                raise SkeletonSampleError(
                    f'{describe_sample(results)}: total_frames is {frames} '
                    f'but keypoint has {keypoint.shape[1]} frames.')
            if frames == 0:
                raise SkeletonSampleError(
                    f'{describe_sample(results)} has zero frames.')
            results = super().transform(results)
        finally:
            results['keypoint'] = keypoint
        return results
