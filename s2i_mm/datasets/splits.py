"""Split names, including semi-supervised label subsets.

A split ``<base>_<P>pct`` that the annotation file does not define is a
class-balanced ``P`` % subset of ``<base>``, drawn with a seed and
identical on every machine; see docs/datasets.md, "Semi-supervised
splits".
"""
import re
from collections import Counter
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError

__all__ = [
    'parse_semi_split', 'semi_supervised_subset', 'resolve_split',
    'check_split', 'select_split'
]

_SEMI = re.compile(r'^(?P<base>.+)_(?P<pct>\d+(?:\.\d+)?)pct$')


def parse_semi_split(name: str) -> Optional[Tuple[str, float]]:
    """``(base, percent)`` for ``'<base>_<P>pct'``, else ``None``."""
    match = _SEMI.match(name)
    if match is None:
        return None
    return match['base'], float(match['pct'])


def semi_supervised_subset(names: Sequence[str], labels: Sequence[int],
                           percent: float, seed: int = 0) -> List[str]:
    """A deterministic, class-balanced subset of labelled samples.

    Args:
        names (Sequence[str]): Sample names (``frame_dir``), unique.
        labels (Sequence[int]): Label of each name.
        percent (float): Percentage to keep, in ``(0, 100]``.
        seed (int): Seed of the draw. Defaults to 0.

    Returns:
        list[str]: The chosen names, sorted.
    """
    if not 0 < percent <= 100:
        raise ValueError(f'percent must be in (0, 100], got {percent}')
    by_class: Dict[int, List[str]] = {}
    for name, label in zip(names, labels):
        by_class.setdefault(int(label), []).append(name)
    chosen = []
    for label in sorted(by_class):
        members = sorted(by_class[label])
        keep = max(1, int(round(len(members) * percent / 100)))
        rng = np.random.default_rng([int(seed), label])
        picks = rng.permutation(len(members))[:keep]
        chosen.extend(members[i] for i in picks)
    return sorted(chosen)


def resolve_split(split: str, splits: Dict[str, Sequence[str]],
                  labels: Dict[str, int], seed: int = 0,
                  source: str = '') -> List[str]:
    """Names in ``split``, resolving semi-supervised subsets on the fly.

    Args:
        split (str): The split name.
        splits (dict): Split name -> names, as in the annotation file.
        labels (dict): Name -> label for every sample of the file.
        seed (int): Seed for semi-supervised subsets. Defaults to 0.
        source (str): The file, for the error message.

    Returns:
        list[str]: Names of the split (in the file's order for a split the
        file defines).

    Raises:
        KeyError: If neither ``split`` nor its base split exists.
        SkeletonDataError: If the split (or the base split of a subset) is
            empty, names a sample the file does not hold, or names one
            twice.
    """
    if split in splits:
        return check_split(split, splits[split], labels, source)
    semi = parse_semi_split(split)
    if semi is not None and semi[0] in splits:
        base = check_split(semi[0], splits[semi[0]], labels, source)
        return semi_supervised_subset(
            base, [labels[n] for n in base], semi[1], seed)
    raise KeyError(
        f'{source}: no split {split!r}; the file has '
        f'{sorted(splits) or "no splits"} (a semi-supervised subset is '
        'named <split>_<P>pct, e.g. xsub_train_1pct)')


def check_split(name: str, members: Sequence[str], labels: Dict[str, int],
                source: str = '') -> List[str]:
    """The members of split ``name``, checked against the samples.

    Args:
        name (str): The split name (for the message).
        members (Sequence[str]): Its ``frame_dir`` names.
        labels (dict): Name -> label of every sample of the file.
        source (str): The file (for the message).

    Returns:
        list[str]: ``members`` as a list.

    Raises:
        SkeletonDataError: An empty split, an unknown or a repeated name.
    """
    members = list(members)
    where = f'{source}: split {name!r}' if source else f'split {name!r}'
    if not members:
        raise SkeletonDataError(f'{where} is empty: no sample to load')
    unknown = [m for m in members if m not in labels]
    if unknown:
        raise SkeletonDataError(
            f'{where} names {len(unknown)} sample(s) the file does not hold:'
            f' {", ".join(map(repr, unknown[:5]))}'
            + (' ...' if len(unknown) > 5 else ''))
    repeated = [m for m, count in Counter(members).items() if count > 1]
    if repeated:
        raise SkeletonDataError(
            f'{where} names {", ".join(map(repr, repeated[:5]))} more than '
            'once')
    return members


def select_split(records: List[Dict[str, Any]], split: Optional[str],
                 splits: Dict[str, Sequence[str]], labels: Dict[str, int],
                 seed: int = 0, source: str = '') -> List[Dict[str, Any]]:
    """The samples of ``split``, in file order.

    Args:
        records (list[dict]): Every sample of the file (with
            ``frame_dir``).
        split (str, optional): The split name (see
            :func:`resolve_split`); ``None`` keeps every sample.
        splits (dict): Split name -> names, as in the annotation file.
        labels (dict): Name -> label for every sample of the file.
        seed (int): Seed for semi-supervised subsets. Defaults to 0.
        source (str): The file, for error messages.

    Returns:
        list[dict]: The selected records.

    Raises:
        KeyError: An unknown split (see :func:`resolve_split`).
        SkeletonDataError: A bad split, or no sample at all.
    """
    if split is not None:
        names = set(resolve_split(split, splits, labels, seed, source))
        records = [r for r in records if r['frame_dir'] in names]
    if not records:
        raise SkeletonDataError(f'{source}: no samples to load')
    return records
