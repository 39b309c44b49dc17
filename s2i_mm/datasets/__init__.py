# mmaction2's skeleton transforms (UniformSampleFrames, PoseDecode, ...) live
# in the parent registry of ours; import them so that they are registered.
import mmaction.datasets.transforms  # noqa: F401
