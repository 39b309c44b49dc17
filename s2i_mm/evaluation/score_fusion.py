"""Score fusion of per-stream test dumps (``tools/test.py --dump``).

A dump (:class:`~s2i_mm.evaluation.metrics.DumpScores`) holds per-sample
class scores, labels, ``sample_idx`` and ``frame_dir``. Dumps of different
streams (joint, motion, bone) of the same test set are aligned by sample
name (``frame_dir``), whatever their row order, and fused as a weighted sum
of probabilities or of logits; the weights can be searched on a held-out
split's dumps. ``tools/analysis/fuse_scores.py`` is the command line.
"""
import itertools
import pickle
from dataclasses import dataclass
from typing import Dict, List, Sequence, Tuple

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError, read_pickle
from s2i_mm.fileio.atomic import atomic_path

__all__ = [
    'ScoreDump', 'ScoreFusionError', 'FUSION_MODES', 'load_dump',
    'align_dumps', 'fuse_scores', 'search_weights', 'score_metrics',
    'save_dump'
]

#: ``'prob'``: weighted sum of softmax probabilities; ``'logit'``: weighted
#: sum of log-probabilities, i.e. of logits up to a per-sample constant
#: (the same ranking as fusing the logits).
FUSION_MODES = ('prob', 'logit')


class ScoreFusionError(ValueError):
    """Dumps that cannot be fused (bad file, different samples, labels)."""


@dataclass
class ScoreDump:
    """One dump file: rows are samples.

    Attributes:
        path (str): The file.
        scores (np.ndarray): float ``[N, num_classes]``.
        labels (np.ndarray): int64 ``[N]`` (-1 where unknown).
        sample_idx (np.ndarray): int64 ``[N]``.
        frame_dir (list[str]): ``N`` sample names.
    """
    path: str
    scores: np.ndarray
    labels: np.ndarray
    sample_idx: np.ndarray
    frame_dir: List[str]

    def take(self, rows: np.ndarray) -> 'ScoreDump':
        """The dump with its rows in the order of ``rows``."""
        return ScoreDump(self.path, self.scores[rows], self.labels[rows],
                         self.sample_idx[rows],
                         [self.frame_dir[i] for i in rows])


def load_dump(path: str) -> ScoreDump:
    """Read and check a ``tools/test.py --dump`` file.

    Raises:
        ScoreFusionError: Naming the file: unreadable, missing keys, shapes
            that disagree, a row without ``frame_dir``, a name twice.
    """
    try:
        # restricted: a dump holds arrays, lists and strings; one that
        # names a function is refused before anything in it runs
        data = read_pickle(path)
    except (OSError, SkeletonDataError) as err:
        raise ScoreFusionError(f'cannot read the dump: {err}') from None
    missing = [k for k in ('scores', 'labels', 'frame_dir')
               if not isinstance(data, dict) or k not in data]
    if missing:
        raise ScoreFusionError(
            f'{path} is not a tools/test.py --dump file: no {missing}')
    scores = np.asarray(data['scores'], np.float64)
    labels = np.asarray(data['labels'], np.int64).reshape(-1)
    names = list(data['frame_dir'])
    rows = len(names)
    sample_idx = np.asarray(data.get('sample_idx', np.arange(rows)),
                            np.int64).reshape(-1)
    if (scores.ndim != 2 or len(scores) != rows or len(labels) != rows
            or len(sample_idx) != rows or not rows):
        raise ScoreFusionError(
            f'{path}: scores {scores.shape}, {len(labels)} labels, {rows} '
            'frame_dir: expected [N, num_classes] scores and N of each, '
            'N > 0')
    if not np.isfinite(scores).all():
        row = int(np.argwhere(~np.isfinite(scores))[0, 0])
        raise ScoreFusionError(
            f'{path}: sample {names[row]!r} has non-finite scores')
    seen = set()
    for i, name in enumerate(names):
        if name is None:
            raise ScoreFusionError(
                f'{path}: row {i} (sample_idx {sample_idx[i]}) has no '
                "frame_dir; dumps are aligned by name: keep 'frame_dir' in "
                "the test pipeline's PackInputs meta_keys")
        if name in seen:
            raise ScoreFusionError(f'{path}: sample {name!r} appears twice')
        seen.add(name)
    return ScoreDump(path, scores, labels, sample_idx, names)


def align_dumps(dumps: Sequence[ScoreDump]) -> List[ScoreDump]:
    """The dumps with their rows in the first dump's sample order.

    Raises:
        ScoreFusionError: If the dumps hold different sample sets or class
            counts, or a sample's label differs; the first such sample and
            the two files are named.
    """
    first = dumps[0]
    where = {name: i for i, name in enumerate(first.frame_dir)}
    aligned = [first]
    for other in dumps[1:]:
        if other.scores.shape[1] != first.scores.shape[1]:
            raise ScoreFusionError(
                f'{first.path} has {first.scores.shape[1]} classes, '
                f'{other.path} has {other.scores.shape[1]}')
        names = set(other.frame_dir)
        for name in first.frame_dir:
            if name not in names:
                raise ScoreFusionError(
                    f'sample {name!r} is in {first.path} but not in '
                    f'{other.path}: the dumps hold different samples')
        for name in other.frame_dir:
            if name not in where:
                raise ScoreFusionError(
                    f'sample {name!r} is in {other.path} but not in '
                    f'{first.path}: the dumps hold different samples')
        row_of = {name: i for i, name in enumerate(other.frame_dir)}
        other = other.take(np.array([row_of[n] for n in first.frame_dir]))
        differ = np.flatnonzero(other.labels != first.labels)
        if len(differ):
            i = int(differ[0])
            raise ScoreFusionError(
                f'sample {first.frame_dir[i]!r} has label {first.labels[i]} '
                f'in {first.path} but {other.labels[i]} in {other.path}')
        aligned.append(other)
    return aligned


def _as_probs(scores: np.ndarray) -> np.ndarray:
    """Rows that already are probabilities (as ``DumpScores`` writes them)
    stay; other rows (logits) go through a softmax."""
    is_prob = (scores.min(axis=1) >= 0) & (
        np.abs(scores.sum(axis=1) - 1) < 1e-3)
    if is_prob.all():
        return scores
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    softmax = shifted / shifted.sum(axis=1, keepdims=True)
    return np.where(is_prob[:, None], scores, softmax)


def fuse_scores(scores: Sequence[np.ndarray],
                weights: Sequence[float],
                mode: str = 'prob') -> np.ndarray:
    """Weighted fusion of aligned ``[N, K]`` score arrays.

    Args:
        scores (Sequence[np.ndarray]): One array per stream, rows aligned.
        weights (Sequence[float]): One non-negative weight per stream.
        mode (str): One of :data:`FUSION_MODES`.

    Returns:
        np.ndarray: float32 ``[N, K]`` fused class probabilities (rows sum
        to 1), so that a fused dump can be fused again: the weighted mean
        of the probabilities (``'prob'``), or the softmax of the weighted
        mean of the log-probabilities (``'logit'``; weights normalised to
        sum 1, a weighted geometric mean).
    """
    if mode not in FUSION_MODES:
        raise ValueError(f'mode must be one of {FUSION_MODES}, got {mode!r}')
    weights = np.asarray(weights, np.float64)
    if len(weights) != len(scores):
        raise ValueError(f'{len(weights)} weights for {len(scores)} streams')
    if (weights < 0).any() or not weights.sum() > 0:
        raise ValueError(f'weights must be >= 0 with a positive sum, got '
                         f'{weights.tolist()}')
    probs = [_as_probs(np.asarray(s, np.float64)) for s in scores]
    weights = weights / weights.sum()
    if mode == 'prob':
        fused = sum(w * p for w, p in zip(weights, probs))
    else:
        tiny = np.finfo(np.float64).tiny
        logits = sum(w * np.log(np.maximum(p, tiny))
                     for w, p in zip(weights, probs))
        fused = np.exp(logits - logits.max(axis=1, keepdims=True))
        fused /= fused.sum(axis=1, keepdims=True)
    return fused.astype(np.float32)


def score_metrics(scores: np.ndarray,
                  labels: np.ndarray) -> Dict[str, float]:
    """Top-1, top-5 (top-K with fewer classes) and mean class accuracy, in
    percent, over the rows with a label (>= 0); empty without any."""
    known = labels >= 0
    if not known.any():
        return {}
    scores, labels = scores[known], labels[known]
    k = min(5, scores.shape[1])
    top = np.argsort(-scores, axis=1, kind='stable')[:, :k]
    hit1 = top[:, 0] == labels
    hit5 = (top == labels[:, None]).any(axis=1)
    recalls = [hit1[labels == c].mean() for c in np.unique(labels)]
    return {
        'top1': 100 * float(hit1.mean()),
        'top5': 100 * float(hit5.mean()),
        'mean_class': 100 * float(np.mean(recalls)),
    }


def _grid(num_streams: int, step: float) -> List[Tuple[float, ...]]:
    """Weights on the simplex (non-negative, sum 1) in steps of ``step``."""
    parts = round(1 / step)
    if parts < 1 or abs(parts * step - 1) > 1e-9:
        raise ValueError(f'step must divide 1, got {step}')
    grid = []
    for cuts in itertools.combinations(range(parts + num_streams - 1),
                                       num_streams - 1):
        edges = (-1, *cuts, parts + num_streams - 1)
        counts = [b - a - 1 for a, b in zip(edges[:-1], edges[1:])]
        grid.append(tuple(c / parts for c in counts))
    return grid


def search_weights(dumps: Sequence[ScoreDump],
                   mode: str = 'prob',
                   step: float = 0.1) -> Tuple[Tuple[float, ...], Dict]:
    """The fusion weights with the best top-1 on aligned held-out dumps.

    Every weight vector on the simplex in steps of ``step`` is tried (the
    scale of the weights does not change the ranking). Ties go to the
    higher mean class accuracy, then to the weights closest to equal ones.

    Returns:
        tuple: ``(weights, metrics on the held-out dumps)``.

    Raises:
        ScoreFusionError: If the held-out dumps have no labels.
    """
    labels = dumps[0].labels
    if not (labels >= 0).any():
        raise ScoreFusionError(
            f'{dumps[0].path} has no labels to search weights on')
    equal = np.full(len(dumps), 1 / len(dumps))
    best_key, best = None, None
    for weights in _grid(len(dumps), step):
        fused = fuse_scores([d.scores for d in dumps], weights, mode)
        metrics = score_metrics(fused, labels)
        key = (round(metrics['top1'], 9), round(metrics['mean_class'], 9),
               -float(np.square(np.subtract(weights, equal)).sum()))
        if best_key is None or key > best_key:
            best_key, best = key, (weights, metrics)
    return best


def save_dump(path: str, scores: np.ndarray, like: ScoreDump) -> None:
    """Write ``scores`` as a dump with the labels, ``sample_idx`` and
    ``frame_dir`` of ``like`` (the format of ``tools/test.py --dump``),
    atomically."""
    dump = dict(
        scores=np.asarray(scores, np.float32),
        labels=like.labels.astype(np.int64),
        sample_idx=like.sample_idx.astype(np.int64),
        frame_dir=list(like.frame_dir))
    with atomic_path(path) as tmp, open(tmp, 'wb') as f:
        pickle.dump(dump, f)

