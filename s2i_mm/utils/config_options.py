"""``--cfg-options`` merged so that an override reaches every loader that
shared the overridden value (see :func:`merge_cfg_options`)."""
from typing import Any, Dict, List

from mmengine.config import Config

__all__ = ['merge_cfg_options']

#: Config keys that a config usually makes one object
#: (``test_dataloader = val_dataloader``): resolved when the file is read,
#: so a ``--cfg-options`` override of the first would miss the second.
_SHARED_KEYS = (('val_dataloader', 'test_dataloader'),
                ('val_evaluator', 'test_evaluator'))
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_MISSING = object()


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


def merge_cfg_options(cfg: Config, options: Dict[str, Any]) -> List[str]:
    """Merge ``--cfg-options`` so that an override reaches every loader
    that shared the overridden value, and say where it did not.

    * ``test_dataloader = val_dataloader`` (and ``test_evaluator =
      val_evaluator``) in a config is resolved when the file is read, so
      mmengine's merge of ``val_dataloader.dataset.ann_file=X`` leaves the
      test loader on the old file, silently. Here an override of a
      ``val_*`` key also applies to the ``test_*`` twin when the two were
      equal before the merge and the options do not set the twin's key.
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
    options = dict(options)
    notes = []
    for first, twin in _SHARED_KEYS:
        if cfg.get(twin) is None or cfg.get(twin) != cfg.get(first):
            continue
        given = list(options)
        for key in given:
            head, _, rest = key.partition('.')
            target = f'{twin}.{rest}' if rest else twin
            if head != first or any(_nested(target, other)
                                    for other in given):
                continue  # the options set (part of) the twin themselves
            options[target] = options[key]
            notes.append(f'--cfg-options {key}: also set for {twin} '
                         f'(the config makes {twin} = {first})')
    left_behind = {}
    for key in options:
        head, _, rest = key.partition('.')
        before = _lookup(cfg, key)
        # the data a loader reads; batch sizes and the like differ freely
        if (head not in _LOADERS or not rest.startswith('dataset.')
                or before is _MISSING):
            continue
        for other in _LOADERS:
            other_key = f'{other}.{rest}'
            if (other_key not in options
                    and _lookup(cfg, other_key) == before):
                left_behind.setdefault(other_key, (key, before))
    notes += [f'--cfg-options {key}: {other_key} keeps {before!r} (set it '
              'too if the loaders should agree)'
              for other_key, (key, before) in left_behind.items()]
    cfg.merge_from_dict(options)
    return notes
