"""High-level use of s2i_mm: inference with a trained recognizer
(:mod:`.inference`) and jobs made of the project's tools
(:mod:`.tool_jobs`). Each name below is imported from its module on first
use, so that a job (the demo, the benchmarks) loads no torch."""
from s2i_mm.utils.lazy_exports import lazy_exports

#: public name -> the module that defines it
_EXPORTS = {
    'SkeletonPrediction': 'inference',
    'inference_skeleton': 'inference',
    'init_recognizer': 'inference',
    'load_keypoints': 'inference',
    'prepare_input': 'inference',
}

__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
