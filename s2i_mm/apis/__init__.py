from .inference import (
                        SkeletonPrediction,
                        inference_skeleton,
                        init_recognizer,
                        load_keypoints,
                        prepare_input,
)

__all__ = [
    'SkeletonPrediction', 'inference_skeleton', 'init_recognizer',
    'load_keypoints', 'prepare_input'
]
