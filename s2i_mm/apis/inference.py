"""Inference: a trained S2I classifier + skeleton keypoints -> class scores.

The sample goes through exactly what the model was evaluated on: the
once-per-dataset preprocessing of the config's test dataset, by the
function ``SkeletonDataset`` calls
(:func:`~s2i_mm.datasets.preprocess.preprocess_sample`; see
:func:`prepare_input`), then the test pipeline (frame sampling, modality,
S2I encoding, packing).
"""
import os.path as osp
from dataclasses import dataclass
from typing import Any, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate
from mmengine.registry import DefaultScope

from s2i_mm.apis.checkpoint_fit import load_fitting_checkpoint
from s2i_mm.compat import apply_runner_fixes
from s2i_mm.converters.readers import RAW_CLIP_EXTENSIONS, read_raw_clip
from s2i_mm.datasets.preprocess import (
    DEFAULT_PREPROCESS,
    normalize_preprocess,
    preprocess_sample,
)
from s2i_mm.fileio.annotation import (
    SkeletonDataError,
    coordinate_problem,
    merge_score_channel,
    read_pickle,
    resolve_format,
)
from s2i_mm.formats import (
    SkeletonFormat,
    resolve_format_reference,
)
from s2i_mm.registry import MODELS
from s2i_mm.utils.config_options import merge_cfg_options

__all__ = [
    'SkeletonPrediction', 'init_recognizer', 'inference_skeleton',
    'load_keypoints', 'prepare_input'
]

KeypointsOrFile = Union[np.ndarray, str]


@dataclass
class SkeletonPrediction:
    """Result of :func:`inference_skeleton`.

    Attributes:
        scores (np.ndarray): float32 ``[num_classes]`` class probabilities.
        pred_label (int): Index of the best class.
        classes (tuple[str] | None): Class names, when the checkpoint or the
            config names them.
    """
    scores: np.ndarray
    pred_label: int
    classes: Optional[Sequence[str]] = None

    @property
    def pred_class(self) -> Optional[str]:
        """Name of the best class (``None`` without class names)."""
        return None if self.classes is None else self.classes[
            self.pred_label]

    def topk(self, k: int = 5) -> List[tuple]:
        """``[(label, class name or None, score), ...]``, best first."""
        order = np.argsort(-self.scores)[:k]
        return [(int(i), None if self.classes is None else self.classes[i],
                 float(self.scores[i])) for i in order]


def init_recognizer(config: Union[str, Config],
                    checkpoint: Optional[str] = None,
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None) -> torch.nn.Module:
    """Build a classifier from a config and load a checkpoint.

    Args:
        config (str | Config): Config file or object.
        checkpoint (str, optional): Checkpoint path or URL. Without one the
            weights stay as initialised (useful in tests only).
        device (str): Device to put the model on. Defaults to 'cpu'.
        cfg_options (dict, optional): Overrides merged into the config.

    Returns:
        nn.Module: The model in eval mode, with ``model.cfg`` set and
        ``model.dataset_meta`` taken from the checkpoint when it has one.

    Raises:
        CheckpointMismatchError: A checkpoint whose keys or shapes are not
            the model's (e.g. a pretraining checkpoint, another head), or
            that holds no state dict.
        CorruptCheckpointError: A file that is no readable checkpoint.
    """
    import s2i_mm
    s2i_mm.register_all_modules(init_default_scope=False)
    apply_runner_fixes()  # weights-only checkpoint loading
    if isinstance(config, str) and not osp.isfile(config):
        raise FileNotFoundError(f'{config}: no such config file')
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    if cfg_options:
        # a val_dataloader override reaches the test pipeline used here
        merge_cfg_options(cfg, cfg_options)
    # no pretrained-weights download: the checkpoint holds every weight
    _drop_init_cfg(cfg.model)
    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 's2i_mm')):
        model = MODELS.build(cfg.model)
    model.cfg = cfg
    model.dataset_meta = {}
    if checkpoint is not None:
        ckpt = load_fitting_checkpoint(
            model, checkpoint,
            config if isinstance(config, str) else None)
        model.dataset_meta = ckpt.get('meta', {}).get('dataset_meta') or {}
    return model.to(device).eval()


def _drop_init_cfg(cfg: Any) -> None:
    if isinstance(cfg, dict):
        cfg.pop('init_cfg', None)
        for value in cfg.values():
            _drop_init_cfg(value)


def load_keypoints(source: KeypointsOrFile,
                   skeleton_format: Optional[SkeletonFormat] = None,
                   sample: Union[int, str] = 0) -> tuple:
    """Read keypoints from an array or a file.

    Supported files: ``.npy`` (``[M, T, V, C]`` or ``[T, V, C]``; no
    pickled objects), ``.pkl`` (one mmaction2 annotation dict, or a whole
    annotation file: ``sample`` picks an index or a ``frame_dir``; read
    with the restricted unpickler of
    :func:`~s2i_mm.fileio.annotation.read_pickle`, so nothing in it
    runs; a separate ``keypoint_score`` is merged as the format's score
    channel), NTU ``.skeleton``, ``.json`` (NW-UCLA for ``kinect20``,
    Toyota Smarthome for ``lcrnet13``), MSR-Action3D ``.txt`` (``msr20``)
    and UTD-MHAD ``.mat`` (``utd20``).

    Returns:
        tuple: ``(keypoint float32 [M, T, V, C], name, format name or None)``
        where the format name is the one a ``.pkl`` declares.

    Raises:
        SkeletonDataError: Unknown file type, a sample that is not there,
            a file that cannot be read, or a ``.pkl`` that names anything
            but containers, strings, numbers and arrays (a ``ValueError``;
            the message names the file).
    """
    if not isinstance(source, str):
        return _as_mtvc(np.asarray(source, np.float32), 'array'), None, None
    name = osp.basename(source)
    if source.endswith('.npy'):
        try:
            array = np.load(source, allow_pickle=False)
        except (OSError, ValueError, EOFError) as err:
            raise SkeletonDataError(f'{source}: not a readable .npy array '
                                    f'({err})') from None
        return _as_mtvc(array, source), name, None
    if source.endswith('.pkl'):
        data = read_pickle(source)
        declared = data.get('skeleton_format') if isinstance(data,
                                                             dict) else None
        ann = _pick_annotation(data, sample, source)
        if declared is not None or skeleton_format is not None:
            # a recorded relative spec path is read from the file's folder
            fmt = skeleton_format or resolve_format(source, None, declared,
                                                    'format=')
            ann = merge_score_channel(ann, fmt.channels)
        return (_as_mtvc(ann['keypoint'], source), ann.get('frame_dir', name),
                declared)
    if source.lower().endswith(RAW_CLIP_EXTENSIONS):
        try:
            keypoint, fmt_name = read_raw_clip(
                source, skeleton_format.name if skeleton_format else None)
        except SkeletonDataError:
            raise
        except ValueError as err:  # a layout this type of file never holds
            raise SkeletonDataError(str(err)) from None
        return _as_mtvc(keypoint, source), name, fmt_name
    raise SkeletonDataError(f'{source}: unsupported skeleton file type; '
                            'use .npy, .pkl, .skeleton, .json, .txt or .mat')


def _pick_annotation(data: Any, sample: Union[int, str], source: str) -> dict:
    if isinstance(data, dict) and 'keypoint' in data:
        return data
    annotations = data.get('annotations') if isinstance(data, dict) else data
    if not isinstance(annotations, list) or not annotations or not all(
            isinstance(a, dict) and 'keypoint' in a for a in annotations):
        raise SkeletonDataError(f'{source}: no annotations found')
    if isinstance(sample, str):
        for ann in annotations:
            if ann.get('frame_dir') == sample:
                return ann
        raise SkeletonDataError(
            f'{source}: no sample with frame_dir {sample!r}')
    if not 0 <= sample < len(annotations):
        raise SkeletonDataError(
            f'{source}: sample index {sample} out of range '
            f'(0..{len(annotations) - 1})')
    return annotations[sample]


def _as_mtvc(keypoint: np.ndarray, source: str) -> np.ndarray:
    if not isinstance(keypoint, np.ndarray) or keypoint.dtype.kind not in (
            'fiu'):
        raise SkeletonDataError(
            f'{source}: keypoints must be an array of real numbers')
    keypoint = np.asarray(keypoint, np.float32)
    if keypoint.ndim == 3:
        keypoint = keypoint[None]
    if keypoint.ndim != 4:
        raise SkeletonDataError(
            f'{source}: keypoints must be [M, T, V, C] or [T, V, C], got '
            f'shape {keypoint.shape}')
    return keypoint


def _test_dataset_cfg(cfg: Config) -> dict:
    loader = cfg.get('test_dataloader') or cfg.get('val_dataloader')
    if not loader:
        raise ValueError('the config has no test_dataloader/val_dataloader '
                         'to take the test pipeline from')
    return loader['dataset']


def prepare_input(keypoints_or_file: KeypointsOrFile,
                  dataset_cfg: dict,
                  format: Optional[str] = None,
                  sample: Union[int, str] = 0) -> tuple:
    """Read, check and preprocess one sample as the test dataset does.

    Args:
        keypoints_or_file (np.ndarray | str): See
            :func:`inference_skeleton`.
        dataset_cfg (dict): The config's test dataset; its ``preprocess``
            (default :data:`~s2i_mm.datasets.DEFAULT_PREPROCESS`) and
            ``skeleton_format`` apply.
        format (str, optional): Skeleton format of the keypoints.
        sample (int | str): Which sample of a multi-sample ``.pkl``.

    Returns:
        tuple: ``(keypoint float32 [M, T, V, C], name, SkeletonFormat)``,
        the keypoints after
        :func:`~s2i_mm.datasets.preprocess.preprocess_sample`, the same
        function ``SkeletonDataset`` applies to its samples.

    Raises:
        SkeletonDataError: Keypoints that do not fit the format, are
            empty, or hold values S2I cannot encode (NaN, inf, beyond
            ``MAX_COORDINATE``); a ``ValueError``.
    """
    explicit = (None if format is None else
                resolve_format_reference(format, None))
    keypoint, name, declared = load_keypoints(keypoints_or_file, explicit,
                                              sample)
    # the caller's format (else the config's) and the file's record, by
    # the rule SkeletonDataset follows
    given = format if format is not None else dataset_cfg.get(
        'skeleton_format')
    source = (keypoints_or_file if isinstance(keypoints_or_file, str) else
              'the keypoints')
    fmt = resolve_format(source, given, declared,
                         "format= (e.g. 'ntu25' or a spec file)")
    expected = (f'[M, T, {fmt.num_joints}, {len(fmt.channels)}] '
                f'({", ".join(fmt.channels)})')
    if keypoint.shape[2] != fmt.num_joints:
        raise SkeletonDataError(
            f'{name or "keypoints"}: {keypoint.shape[2]} joints, but format '
            f'{fmt.name!r} has {fmt.num_joints}: expected {expected}')
    if keypoint.shape[3] != len(fmt.channels):
        raise SkeletonDataError(
            f'{name or "keypoints"}: {keypoint.shape[3]} channels, but format '
            f'{fmt.name!r} has {len(fmt.channels)}: expected {expected}, got '
            f'shape {list(keypoint.shape)}')
    if 0 in keypoint.shape[:2]:
        raise SkeletonDataError(f'{name or "keypoints"}: no body or no '
                                f'frame (shape {list(keypoint.shape)})')
    problem = coordinate_problem(keypoint)
    if problem is not None:
        raise SkeletonDataError(f'{name or "keypoints"}: keypoint {problem}')
    options = normalize_preprocess(
        dataset_cfg.get('preprocess', DEFAULT_PREPROCESS))
    return preprocess_sample(keypoint, fmt, options), name, fmt


def _max_persons(model: torch.nn.Module, dataset_cfg: dict,
                 given: Optional[int]) -> Optional[int]:
    """The ``max_persons`` the test pipeline's S2IEncode needs: ``given``,
    else the checkpoint's; None when the pipeline fixes the layout."""
    if given is not None:
        return int(given)
    recorded = (model.dataset_meta or {}).get('max_persons')
    if recorded is not None:
        return int(recorded)
    encoders = [t for t in dataset_cfg['pipeline']
                if str(t.get('type', '')).split('.')[-1] == 'S2IEncode']
    if all(t.get('num_persons') is not None or t.get('persons') == 'first'
           for t in encoders):
        return None
    raise SkeletonDataError(
        'the model does not record how many persons its training samples '
        "had (dataset_meta['max_persons']; a checkpoint of an older "
        's2i_mm, or no checkpoint), and its S2IEncode takes the person '
        'layout from it: pass max_persons= (2 for NTU and PKU-MMD, 1 for '
        'NW-UCLA and Toyota Smarthome)')


def inference_skeleton(model_or_config: Union[torch.nn.Module, str, Config],
                       keypoints_or_file: KeypointsOrFile,
                       *,
                       checkpoint: Optional[str] = None,
                       format: Optional[str] = None,
                       sample: Union[int, str] = 0,
                       device: str = 'cpu',
                       max_persons: Optional[int] = None
                       ) -> SkeletonPrediction:
    """Classify one skeleton sequence (as mmaction2's
    ``inference_recognizer``: a model from :func:`init_recognizer`, then
    any number of calls).

    Example::

        model = init_recognizer(config, checkpoint)
        pred = inference_skeleton(model, 'clips.pkl', sample=3)
        pred = inference_skeleton(model, keypoints)  # [M, T, V, C] array
        print(pred.pred_class, pred.topk(5))

    Args:
        model_or_config (nn.Module | str | Config): A model from
            :func:`init_recognizer`, or a config to build one from (with
            ``checkpoint``; built again on every call).
        keypoints_or_file (np.ndarray | str): ``[M, T, V, C]`` (or
            ``[T, V, C]``) keypoints, or a file (see :func:`load_keypoints`);
            a raw ``.json`` clip is NW-UCLA (``kinect20``) or Toyota
            (``lcrnet13``) as its keys say.
        checkpoint (str, optional): Checkpoint to load when a config is
            given (a model already holds its weights: giving one too is an
            error).
        format (str, optional): Skeleton format of the keypoints (a name
            or a spec file). Defaults to the config's test dataset format.
            A ``.pkl`` that records its format is read by the rule of
            :mod:`s2i_mm.formats.format_reference` (the two must name the
            same layout; either may be absent, not both).
        sample (int | str): Which sample of a multi-sample ``.pkl``.
        device (str): Device for a model built here. Defaults to 'cpu'.
        max_persons (int, optional): The most persons per sample of the
            training data, which sets the S2I person layout when the
            config's ``S2IEncode`` leaves ``num_persons`` to the data.
            Defaults to the checkpoint's ``dataset_meta['max_persons']``.

    Returns:
        SkeletonPrediction: Class probabilities, best label, class names.

    Raises:
        SkeletonDataError: If the layout depends on ``max_persons`` and
            neither the argument nor the checkpoint gives it (the image
            would not be laid out as in training), or the input is not
            readable as the model's layout (see :func:`prepare_input`).
    """
    model = model_or_config
    if not isinstance(model, torch.nn.Module):
        model = init_recognizer(model, checkpoint, device=device)
    elif checkpoint is not None:
        raise TypeError('inference_skeleton: checkpoint= is for a config; '
                        'a model from init_recognizer holds its weights')
    cfg = model.cfg
    dataset_cfg = _test_dataset_cfg(cfg)
    keypoint, name, fmt = prepare_input(keypoints_or_file, dataset_cfg,
                                        format, sample)

    with DefaultScope.overwrite_default_scope(
            cfg.get('default_scope', 's2i_mm')):
        pipeline = Compose(dataset_cfg['pipeline'])
    results = pipeline(
        dict(keypoint=keypoint, total_frames=keypoint.shape[1],
             skeleton_format=fmt.name, frame_dir=name or 'input',
             sample_idx=0, start_index=0, modality='Pose', label=-1,
             max_persons=_max_persons(model, dataset_cfg, max_persons)))
    with torch.no_grad():
        pred = model.test_step(pseudo_collate([results]))[0]
    scores = pred.pred_score.float().cpu().numpy()
    classes = (model.dataset_meta or {}).get('classes') or cfg.get(
        'classes') or dataset_cfg.get('metainfo', {}).get('classes')
    return SkeletonPrediction(
        scores=scores, pred_label=int(scores.argmax()),
        classes=tuple(classes) if classes else None)
