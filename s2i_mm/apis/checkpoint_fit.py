"""Load a whole-model checkpoint only if it fits the model: the same keys,
the same shapes.

mmengine loads checkpoints non-strictly, so an MAE checkpoint in a
classifier, or a 14-class head in a 10-class config, only logs key warnings
and evaluates a random head. :func:`load_fitting_checkpoint` (used by
``tools/test.py``, :func:`~s2i_mm.apis.init_recognizer` and the demo)
refuses such a checkpoint with one line naming the keys. A backbone-only
(pretraining) checkpoint goes into a probe or fine-tuning config through
the backbone's ``init_cfg``, as before (docs/models.md).
"""
import re
from typing import Dict, List, Optional

import torch

__all__ = ['CheckpointMismatchError', 'read_state_dict', 'mismatch',
           'check_checkpoint_fits', 'load_fitting_checkpoint']

#: How many keys of each kind the error names.
SHOWN_KEYS = 4


class CheckpointMismatchError(ValueError):
    """A checkpoint whose weights are not those of the model."""


def read_state_dict(filename: str) -> tuple:
    """Read a checkpoint with mmengine's loaders (s2i_mm's weights-only
    loader for local files).

    Returns:
        tuple: ``(checkpoint dict, state dict)``; the state dict with
        ``module.`` prefixes removed, as mmengine loads it.

    Raises:
        FileNotFoundError: No such file.
        CorruptCheckpointError: Not a readable checkpoint.
        CheckpointMismatchError: A readable file that holds no state dict
            (e.g. a list, or a dict without tensors).
    """
    from mmengine.runner.checkpoint import CheckpointLoader

    from s2i_mm.compat import apply_runner_fixes
    apply_runner_fixes()
    checkpoint = CheckpointLoader.load_checkpoint(filename,
                                                  map_location='cpu',
                                                  logger='silent')
    state = (checkpoint.get('state_dict', checkpoint)
             if isinstance(checkpoint, dict) else None)
    if not isinstance(state, dict) or not state or not all(
            isinstance(v, torch.Tensor) for v in state.values()):
        what = (type(checkpoint).__name__
                if not isinstance(checkpoint, dict) else
                'a dict without a state_dict of tensors')
        raise CheckpointMismatchError(
            f'{filename}: not a model checkpoint (it holds {what})')
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        checkpoint = dict(state_dict=state)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    return checkpoint, state


def _names(keys: List[str]) -> str:
    shown = ', '.join(keys[:SHOWN_KEYS])
    more = len(keys) - SHOWN_KEYS
    return f'{shown}, and {more} more' if more > 0 else shown


def mismatch(model: torch.nn.Module,
             state: Dict[str, torch.Tensor]) -> Optional[str]:
    """What differs between ``model``'s state dict and ``state`` (missing
    keys, unexpected keys, shapes), or None when they fit."""
    own = model.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    shapes = [f'{k} (checkpoint {list(state[k].shape)}, model '
              f'{list(own[k].shape)})' for k in own
              if k in state and state[k].shape != own[k].shape]
    parts = []
    if missing:
        parts.append(f'{len(missing)} model keys missing ({_names(missing)})')
    if unexpected:
        parts.append(f'{len(unexpected)} unexpected keys '
                     f'({_names(unexpected)})')
    if shapes:
        parts.append(f'{len(shapes)} shapes differ ({_names(shapes)})')
    return '; '.join(parts) or None


def check_checkpoint_fits(model: torch.nn.Module, filename: str,
                          config: Optional[str] = None) -> dict:
    """Read ``filename`` and raise unless it holds ``model``'s weights.

    Returns:
        dict: The checkpoint, ``state_dict`` without ``module.`` prefixes.

    Raises:
        CheckpointMismatchError: Naming the file and the keys that differ.
    """
    checkpoint, state = read_state_dict(filename)
    problem = mismatch(model, state)
    if problem is not None:
        of = f' of {config}' if config else ''
        hint = ''
        if not any(k.startswith(('head.', 'cls_head.')) for k in state):
            hint = (' (a checkpoint without a classification head, e.g. '
                    'of a pretraining run: load it as the backbone\'s '
                    'init_cfg of a probe or fine-tuning config, see '
                    'docs/models.md)')
        raise CheckpointMismatchError(
            f'{filename} does not fit the model{of}: {problem}{hint}')
    checkpoint['state_dict'] = state
    return checkpoint


def load_fitting_checkpoint(model: torch.nn.Module, filename: str,
                            config: Optional[str] = None) -> dict:
    """:func:`check_checkpoint_fits`, then load the weights into
    ``model``.

    Returns:
        dict: The checkpoint (its ``meta`` included).
    """
    checkpoint = check_checkpoint_fits(model, filename, config)
    model.load_state_dict(checkpoint['state_dict'], strict=True)
    return checkpoint
