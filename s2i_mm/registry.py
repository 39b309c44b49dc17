"""Registries of the ``s2i_mm`` scope.

The data registries (``TRANSFORMS``, ``DATASETS``) are children of
mmaction2's, every other one of mmpretrain's, so that upstream names
resolve unqualified where users name them most; ``FORMATS`` holds
skeleton layouts (data). Why this hierarchy: see docs/models.md,
"Registries".
"""
from mmaction.registry import DATASETS as MMACTION_DATASETS
from mmaction.registry import TRANSFORMS as MMACTION_TRANSFORMS
from mmengine.registry import Registry
from mmpretrain.registry import DATA_SAMPLERS as MMPRETRAIN_DATA_SAMPLERS
from mmpretrain.registry import EVALUATORS as MMPRETRAIN_EVALUATORS
from mmpretrain.registry import HOOKS as MMPRETRAIN_HOOKS
from mmpretrain.registry import LOG_PROCESSORS as MMPRETRAIN_LOG_PROCESSORS
from mmpretrain.registry import LOOPS as MMPRETRAIN_LOOPS
from mmpretrain.registry import METRICS as MMPRETRAIN_METRICS
from mmpretrain.registry import MODEL_WRAPPERS as MMPRETRAIN_MODEL_WRAPPERS
from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
from mmpretrain.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS as MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS,
)
from mmpretrain.registry import OPTIM_WRAPPERS as MMPRETRAIN_OPTIM_WRAPPERS
from mmpretrain.registry import OPTIMIZERS as MMPRETRAIN_OPTIMIZERS
from mmpretrain.registry import PARAM_SCHEDULERS as MMPRETRAIN_PARAM_SCHEDULERS
from mmpretrain.registry import RUNNERS as MMPRETRAIN_RUNNERS
from mmpretrain.registry import VISBACKENDS as MMPRETRAIN_VISBACKENDS
from mmpretrain.registry import VISUALIZERS as MMPRETRAIN_VISUALIZERS
from mmpretrain.registry import (
    WEIGHT_INITIALIZERS as MMPRETRAIN_WEIGHT_INITIALIZERS,
)

__all__ = [
    'RUNNERS', 'LOOPS', 'HOOKS', 'LOG_PROCESSORS', 'OPTIMIZERS',
    'OPTIM_WRAPPERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'PARAM_SCHEDULERS',
    'DATASETS', 'DATA_SAMPLERS', 'TRANSFORMS', 'MODELS', 'MODEL_WRAPPERS',
    'WEIGHT_INITIALIZERS', 'METRICS', 'EVALUATORS', 'VISUALIZERS',
    'VISBACKENDS', 'FORMATS'
]

_ENGINE = ['s2i_mm.engine']

# data side: children of mmaction2
DATASETS = Registry(
    'dataset', parent=MMACTION_DATASETS,
    locations=['s2i_mm.datasets.skeleton_dataset',
               's2i_mm.datasets.mixed_format'])
TRANSFORMS = Registry(
    'transform', parent=MMACTION_TRANSFORMS,
    locations=['s2i_mm.datasets.transforms'])

# model / engine side: children of mmpretrain
MODELS = Registry(
    'model', parent=MMPRETRAIN_MODELS, locations=['s2i_mm.models'])
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMPRETRAIN_MODEL_WRAPPERS, locations=_ENGINE)
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMPRETRAIN_WEIGHT_INITIALIZERS,
    locations=['s2i_mm.models'])
RUNNERS = Registry('runner', parent=MMPRETRAIN_RUNNERS, locations=_ENGINE)
LOOPS = Registry('loop', parent=MMPRETRAIN_LOOPS, locations=_ENGINE)
HOOKS = Registry('hook', parent=MMPRETRAIN_HOOKS, locations=_ENGINE)
LOG_PROCESSORS = Registry(
    'log processor', parent=MMPRETRAIN_LOG_PROCESSORS, locations=_ENGINE)
OPTIMIZERS = Registry(
    'optimizer', parent=MMPRETRAIN_OPTIMIZERS, locations=_ENGINE)
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMPRETRAIN_OPTIM_WRAPPERS, locations=_ENGINE)
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer wrapper constructor',
    parent=MMPRETRAIN_OPTIM_WRAPPER_CONSTRUCTORS, locations=_ENGINE)
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMPRETRAIN_PARAM_SCHEDULERS,
    locations=_ENGINE)
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMPRETRAIN_DATA_SAMPLERS,
    locations=['s2i_mm.datasets.mixed_format'])
METRICS = Registry(
    'metric', parent=MMPRETRAIN_METRICS, locations=['s2i_mm.evaluation'])
EVALUATORS = Registry(
    'evaluator', parent=MMPRETRAIN_EVALUATORS,
    locations=['s2i_mm.evaluation'])
VISUALIZERS = Registry(
    'visualizer', parent=MMPRETRAIN_VISUALIZERS,
    locations=['s2i_mm.visualization'])
VISBACKENDS = Registry(
    'vis_backend', parent=MMPRETRAIN_VISBACKENDS,
    locations=['s2i_mm.visualization'])

# skeleton layouts (SkeletonFormat instances, not classes), defined with the
# formats so that registering one checks the type
from s2i_mm.formats.format_registry import FORMATS  # noqa: E402
