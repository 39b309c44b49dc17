"""The stream of a config, and the check that its pipelines agree with it.

A config names its stream(s) with the top-level ``modality`` key;
:func:`check_stream` refuses a config whose ``SkeletonModality``
transforms produce another one (e.g. a child config that set ``modality``
but kept its base's pipelines). See docs/models.md, "Streams: joint,
motion, bone".
"""
from typing import Any, Iterator, List, Optional, Tuple

from s2i_mm.formats.modalities import normalize_modalities

__all__ = ['StreamMismatchError', 'config_stream', 'pipeline_streams',
           'check_stream']

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_HOW_TO = (
    '`modality` is read when the base config is parsed, so setting it in a '
    'child does not rebuild the base\'s pipelines. Give the child the '
    'pipelines of its stream as well, e.g.\n'
    "    modality = 'b'\n"
    '    train_dataloader = dict(\n'
    '        dataset=dict(pipeline=_base_.stream_pipelines.b.train))\n'
    '    val_dataloader = dict(\n'
    '        dataset=dict(pipeline=_base_.stream_pipelines.b.test))\n'
    '    test_dataloader = val_dataloader\n'
    '(see configs/_base_/datasets/s2i_skeleton.py and the *-bone-* '
    'configs).')


class StreamMismatchError(ValueError):
    """A config's pipelines or model disagree with its ``modality``."""


def config_stream(cfg) -> Optional[Tuple[str, ...]]:
    """The stream a config declares with ``modality``, in short names
    (``('b', )``, ``('j', 'm', 'b')``); None when it declares none."""
    declared = cfg.get('modality')
    return None if declared is None else normalize_modalities(declared)


def _is_modality_step(node: dict) -> bool:
    kind = node.get('type')
    name = kind if isinstance(kind, str) else getattr(kind, '__name__', '')
    return name.rsplit('.', 1)[-1] == 'SkeletonModality'


def _walk(node: Any, where: str) -> Iterator[Tuple[str, dict]]:
    if isinstance(node, dict):
        if _is_modality_step(node):
            yield where, node
            return
        for key, value in node.items():
            yield from _walk(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _walk(value, f'{where}[{i}]')


def pipeline_streams(cfg) -> List[Tuple[str, Tuple[str, ...]]]:
    """Every ``SkeletonModality`` of the config's train / val / test
    datasets (members of mixed or wrapped datasets included) as
    ``(where, modalities)``, e.g.
    ``('train_dataloader.dataset.pipeline[2]', ('b', ))``."""
    found = []
    for loader in _LOADERS:
        dataset = (cfg.get(loader) or {}).get('dataset')
        for where, step in _walk(dataset, f'{loader}.dataset'):
            found.append(
                (where, normalize_modalities(step.get('modalities', 'j'))))
    return found


def _model_streams(cfg) -> Optional[Tuple[str, ...]]:
    streams = (cfg.get('model') or {}).get('streams')
    return None if streams is None else normalize_modalities(list(streams))


def check_stream(cfg) -> Optional[Tuple[str, ...]]:
    """Check that every pipeline (and a multi-stream model's ``streams``)
    produces the stream the config declares.

    Without a declared ``modality`` the pipelines must still agree with
    each other (a model trained on bones and tested on joints is refused
    too).

    Args:
        cfg (Config | dict): The config.

    Returns:
        tuple[str] | None: The stream, in short names; None if the config
        neither declares one nor has a ``SkeletonModality``.

    Raises:
        StreamMismatchError: Naming the first pipeline step (or the model)
            that disagrees.
    """
    declared = config_stream(cfg)
    found = pipeline_streams(cfg)
    model = _model_streams(cfg)
    if model is not None:
        found.append(('model.streams', model))
    if not found:
        return declared
    if declared is None:
        first_where, first = found[0]
        for where, got in found[1:]:
            if got != first:
                raise StreamMismatchError(
                    f'{where} produces modalities {got} but {first_where} '
                    f'produces {first}: train, val and test must use the '
                    'same stream.')
        return first
    for where, got in found:
        if got != declared:
            raise StreamMismatchError(
                f'The config declares modality={cfg.get("modality")!r} '
                f'{declared}, but {where} produces {got}. {_HOW_TO}')
    return declared
