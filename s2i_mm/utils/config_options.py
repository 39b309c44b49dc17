"""``--cfg-options``: parsed as mmengine parses them but with the spaces
inside a value kept (:class:`CfgOptionsAction`), and merged so that an
override reaches every loader that shared the overridden value
(:func:`merge_cfg_options`)."""
import copy
import re
from typing import Any, Dict, List, Sequence

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


def _left_behind(cfg: Config, options: Dict[str, Any],
                 skip: Sequence[str]) -> Dict[str, tuple]:
    """Loader dataset keys (``X_dataloader.dataset...``, X not in ``skip``)
    that held an overridden value before and are not overridden: key ->
    (override, value)."""
    found = {}
    for key in options:
        head, _, rest = key.partition('.')
        before = _lookup(cfg, key)
        # the data a loader reads; batch sizes and the like differ freely
        if (head not in _LOADERS or not rest.startswith('dataset.')
                or before is _MISSING):
            continue
        for loader in _LOADERS:
            other = f'{loader}.{rest}'
            if (loader not in skip and other not in options
                    and _lookup(cfg, other) == before):
                found.setdefault(other, (key, before))
    return found


def merge_cfg_options(cfg: Config, options: Dict[str, Any]) -> List[str]:
    """mmengine's merge of ``--cfg-options``, plus what it misses about the
    loaders that shared the overridden value.

    * ``test_dataloader = val_dataloader`` (and ``test_evaluator =
      val_evaluator``) in a config is resolved when the file is read, so
      mmengine's merge of ``val_dataloader.dataset.ann_file=X`` would leave
      the test loader on the old file, silently. When the two were equal
      before the merge and the options change the ``val_*`` one, the
      ``test_*`` one becomes its copy, with the options that name
      ``test_*`` keys applied on top.
    * An override of a ``dataset`` key of one of the three loaders that
      leaves another loader holding the value they shared before (e.g. a
      new ``train_dataloader.dataset.ann_file`` alone) is reported.

    Args:
        cfg (Config): The config, merged in place.
        options (dict): The parsed ``--cfg-options``.

    Returns:
        list[str]: One note per loader (evaluator) the overrides were
        carried over to, and per left-behind key (the tools print them).
    """
    heads = {key.partition('.')[0] for key in options}
    twins = [(first, twin) for first, twin in _SHARED_KEYS
             if first in heads and cfg.get(twin) is not None
             and cfg.get(twin) == cfg.get(first)]
    notes = [f'--cfg-options {first}: also set for {twin} (the config '
             f'makes {twin} = {first})' for first, twin in twins]
    notes += [f'--cfg-options {key}: {other} keeps {before!r} (set it too '
              'if the loaders should agree)'
              for other, (key, before) in _left_behind(
                  cfg, options, [twin for _, twin in twins]).items()]
    cfg.merge_from_dict(options)
    for first, twin in twins:
        cfg[twin] = copy.deepcopy(cfg[first])
        cfg.merge_from_dict({k: v for k, v in options.items()
                             if k.partition('.')[0] == twin})
    return notes
