"""``--cfg-options``: parsed as mmengine parses them but with the spaces
inside a value kept (:class:`CfgOptionsAction`), and merged so that an
override reaches every loader that shared the overridden value
(:func:`merge_cfg_options`)."""
import re
from typing import Any, Dict, List

from mmengine.config import Config, DictAction

__all__ = ['CfgOptionsAction', 'merge_cfg_options']

#: Config keys that a config usually makes one object
#: (``test_dataloader = val_dataloader``): resolved when the file is read,
#: so a ``--cfg-options`` override of the first would miss the second.
_SHARED_KEYS = (('val_dataloader', 'test_dataloader'),
                ('val_evaluator', 'test_evaluator'))
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_MISSING = object()
#: spaces next to a separator of mmengine's list syntax (``[1, 2]``)
_SEPARATOR_SPACES = re.compile(r'\s*([,()\[\]])\s*')


class CfgOptionsAction(DictAction):
    """mmengine's ``DictAction``, except that spaces inside a value stay.

    mmengine deletes every space of a value, so ``key='a path/x y.pkl'``
    arrives as ``'a path/xy.pkl'``. Here only the spaces around a value
    and next to ``,``, ``(``, ``)``, ``[``, ``]`` go (``[1, 2]`` is still
    the list ``[1, 2]``); the value is then parsed by mmengine's own
    parser (numbers, ``True``/``False``/``None``, lists, tuples, quotes).
    A value with an inner space is therefore a string (``'1 2'``, where
    mmengine would read the int 12).
    """

    @staticmethod
    def _parse_iterable(val: str) -> Any:
        val = _SEPARATOR_SPACES.sub(r'\1', val.strip())
        # a character the value lacks stands for its spaces while mmengine
        # parses it (argv cannot hold NUL; in-process values may)
        keep = next(chr(c) for c in range(0xE000, 0xF900)
                    if chr(c) not in val)
        parsed = DictAction._parse_iterable(val.replace(' ', keep))
        return _restore(parsed, keep)


def _restore(value: Any, keep: str) -> Any:
    if isinstance(value, str):
        return value.replace(keep, ' ')
    if isinstance(value, (list, tuple)):
        return type(value)(_restore(v, keep) for v in value)
    return value


def _lookup(cfg: Any, dotted: str) -> Any:
    """The value at a ``--cfg-options`` key (``a.b.0.c``), or _MISSING."""
    value = cfg
    for part in dotted.split('.'):
        if hasattr(value, 'keys') and part in value:  # dict or Config
            value = value[part]
        elif (isinstance(value, (list, tuple)) and part.isdigit()
              and int(part) < len(value)):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _nested(a: str, b: str) -> bool:
    """Whether one dotted key is the other or lies inside it."""
    return a == b or a.startswith(b + '.') or b.startswith(a + '.')


def _twin_overrides(cfg: Config, options: Dict[str, Any]) -> Dict[str, tuple]:
    """The ``val_*`` overrides, re-keyed for a ``test_*`` twin that equals
    its ``val_*`` key, where the options set no part of the twin's key:
    twin key -> (override, value)."""
    copies = {}
    for first, twin in _SHARED_KEYS:
        if cfg.get(twin) is None or cfg.get(twin) != cfg.get(first):
            continue
        for key, value in options.items():
            head, dot, rest = key.partition('.')
            target = twin + dot + rest
            if head == first and not any(_nested(target, k) for k in options):
                copies[target] = (key, value)
    return copies


def _left_behind(cfg: Config, options: Dict[str, Any]) -> Dict[str, tuple]:
    """Loader dataset keys (``X_dataloader.dataset...``) that held the
    overridden value before and are not overridden: key -> (override,
    value)."""
    found = {}
    for key in options:
        head, _, rest = key.partition('.')
        before = _lookup(cfg, key)
        # the data a loader reads; batch sizes and the like differ freely
        if (head not in _LOADERS or not rest.startswith('dataset.')
                or before is _MISSING):
            continue
        for other in (f'{loader}.{rest}' for loader in _LOADERS):
            if other not in options and _lookup(cfg, other) == before:
                found.setdefault(other, (key, before))
    return found


def merge_cfg_options(cfg: Config, options: Dict[str, Any]) -> List[str]:
    """mmengine's merge of ``--cfg-options``, after two checks of the
    loaders that shared the overridden value.

    * ``test_dataloader = val_dataloader`` (and ``test_evaluator =
      val_evaluator``) in a config is resolved when the file is read, so
      mmengine's merge of ``val_dataloader.dataset.ann_file=X`` would leave
      the test loader on the old file, silently. An override of a ``val_*``
      key therefore also applies to the ``test_*`` twin when the two were
      equal before the merge and the options set no part of the twin's key.
    * An override of a ``dataset`` key of one of the three loaders that
      leaves another loader holding the value they shared before (e.g. a
      new ``train_dataloader.dataset.ann_file`` alone) is reported.

    Args:
        cfg (Config): The config, merged in place.
        options (dict): The parsed ``--cfg-options``.

    Returns:
        list[str]: One note per propagated or left-behind key (the tools
        print them).
    """
    copies = _twin_overrides(cfg, options)
    options = {**options, **{k: v for k, (_, v) in copies.items()}}
    notes = []
    for target, (key, _) in copies.items():
        first, twin = key.partition('.')[0], target.partition('.')[0]
        notes.append(f'--cfg-options {key}: also set for {twin} (the '
                     f'config makes {twin} = {first})')
    notes += [f'--cfg-options {key}: {other} keeps {before!r} (set it too '
              'if the loaders should agree)'
              for other, (key, before) in _left_behind(cfg, options).items()]
    cfg.merge_from_dict(options)
    return notes
