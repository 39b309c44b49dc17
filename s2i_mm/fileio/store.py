"""The packed skeleton store: one memory-mapped array plus a small index.

A store directory holds ``keypoint.npy`` (every frame of every body of
every sample, read with ``np.load(mmap_mode='r')``), ``index.npz``,
``meta.json`` and the ``.s2i_store`` marker; no pickle. Writers replace
only stores s2i_mm wrote (:func:`is_own_store`); :class:`SkeletonStore`
checks every file when it opens one (:class:`DamagedStoreError`). Layout
and guarantees: see docs/datasets.md, "Packed stores (memory-mapped)".
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

import numpy as np

from .annotation import SkeletonDataError
from .atomic import atomic_dir, check_writable

__all__ = [
    'SkeletonStore', 'write_store', 'is_store', 'is_own_store',
    'check_store_destination', 'DamagedStoreError', 'STORE_VERSION',
    'STORE_MARKER'
]

STORE_VERSION = 1
STORE_MARKER = '.s2i_store'
_META = 'meta.json'
_INDEX = 'index.npz'
_KEYPOINT = 'keypoint.npy'
_SCORE = 'keypoint_score.npy'
_STORE_FILES = frozenset((STORE_MARKER, _META, _INDEX, _KEYPOINT, _SCORE))
_INDEX_KEYS = ('offset', 'num_bodies', 'num_frames', 'label')


class DamagedStoreError(SkeletonDataError):
    """A store directory is incomplete, garbled or of another version."""


def is_store(path: str) -> bool:
    """Whether ``path`` is meant as a store directory (it has the marker
    or a ``meta.json``; whether it is intact is for
    :class:`SkeletonStore` to say)."""
    return osp.isdir(path) and (osp.isfile(osp.join(path, STORE_MARKER))
                                or osp.isfile(osp.join(path, _META)))


def is_own_store(path: str) -> bool:
    """Whether ``path`` is a store folder s2i_mm may replace: it carries
    the :data:`STORE_MARKER` and holds nothing but store files."""
    if not osp.isdir(path) or osp.islink(path):
        return False
    entries = set(os.listdir(path))
    return STORE_MARKER in entries and entries <= _STORE_FILES


def check_store_destination(path: str, overwrite: bool) -> None:
    """Fail before any work if a store cannot be written to ``path``.

    Args:
        path (str): The store directory to create or replace.
        overwrite (bool): Whether an existing store may be replaced.

    Raises:
        FileExistsError: ``path`` is a file, a folder that is not a store
            s2i_mm wrote (see the module docstring), or an existing store
            while ``overwrite`` is False.
        OSError: The place cannot be written.
    """
    if osp.lexists(path):
        if not osp.isdir(path) or osp.islink(path):
            raise FileExistsError(f'{path} exists and is not a directory')
        entries = sorted(os.listdir(path))
        if entries and not is_own_store(path):
            foreign = [e for e in entries if e not in _STORE_FILES]
            reason = (f'it holds {", ".join(foreign[:3])}'
                      + (f' and {len(foreign) - 3} more' if len(foreign) > 3
                         else '') if foreign else
                      f'it has no {STORE_MARKER} marker')
            raise FileExistsError(
                f'{path} is not a store written by s2i_mm ({reason}): '
                'refusing to replace it; choose another directory')
        if entries and not overwrite:
            raise FileExistsError(f'{path}: a store exists there')
    check_writable(path)


def write_store(data: Dict[str, Any],
                path: str,
                preprocess: Optional[Dict[str, Any]] = None,
                source: Optional[Dict[str, Any]] = None,
                overwrite: bool = False,
                progress: bool = False) -> None:
    """Write annotations (already checked) as a store, atomically.

    The store is filled in a temporary directory next to ``path`` and
    renamed into place (see :mod:`~s2i_mm.fileio.atomic`).

    Args:
        data (dict): In the pkl schema: ``annotations`` (samples with
            ``frame_dir``, ``label``, ``keypoint`` ``[M, T, V, C]`` and
            optionally ``keypoint_score`` ``[M, T, V]`` in every sample),
            and optionally ``split``, ``skeleton_format`` and ``classes``.
        path (str): The store directory. An empty directory is replaced.
        preprocess (dict, optional): The preprocessing already applied to
            the keypoints (see :mod:`s2i_mm.datasets.preprocess`).
        source (dict, optional): Where the data came from (free form).
        overwrite (bool): Replace an existing store (only one s2i_mm
            wrote: see :func:`is_own_store`). Defaults to False.
        progress (bool): Show a progress bar. Defaults to False.

    Raises:
        FileExistsError: See :func:`check_store_destination`.
    """
    check_store_destination(path, overwrite)
    with atomic_dir(path, is_own_store if overwrite else None) as tmp:
        _fill_store(tmp, data, preprocess, source, progress)


def _fill_store(path: str, data: Dict[str, Any],
                preprocess: Optional[Dict[str, Any]],
                source: Optional[Dict[str, Any]], progress: bool) -> None:
    with open(osp.join(path, STORE_MARKER), 'w') as f:
        f.write('s2i_mm skeleton store: s2i_mm may replace this folder\n')
    annotations = data['annotations']
    if not annotations:
        raise SkeletonDataError(f'{path}: no samples to write')
    shapes = np.array([a['keypoint'].shape for a in annotations])
    if len(set(map(tuple, shapes[:, 2:].tolist()))) != 1:
        raise SkeletonDataError(
            f'{path}: samples differ in joints/channels '
            f'{sorted(set(map(tuple, shapes[:, 2:].tolist())))}; a store '
            'holds one skeleton format')
    rows = shapes[:, 0] * shapes[:, 1]
    offset = np.concatenate([[0], np.cumsum(rows)[:-1]]).astype(np.int64)
    with_score = all('keypoint_score' in a for a in annotations)
    keypoint = np.lib.format.open_memmap(
        osp.join(path, _KEYPOINT), mode='w+', dtype=np.float32,
        shape=(int(rows.sum()), *map(int, shapes[0, 2:])))
    score = np.lib.format.open_memmap(
        osp.join(path, _SCORE), mode='w+', dtype=np.float32,
        shape=keypoint.shape[:2]) if with_score else None
    for i in _progress(range(len(annotations)), progress,
                       f'packing {osp.basename(path)}'):
        start, stop = offset[i], offset[i] + rows[i]
        keypoint[start:stop] = annotations[i]['keypoint'].reshape(
            -1, *keypoint.shape[1:])
        if score is not None:
            score[start:stop] = annotations[i]['keypoint_score'].reshape(
                -1, keypoint.shape[1])
    keypoint.flush()
    del keypoint, score
    np.savez(
        osp.join(path, _INDEX),
        offset=offset,
        num_bodies=shapes[:, 0].astype(np.int64),
        num_frames=shapes[:, 1].astype(np.int64),
        label=np.array([int(a['label']) for a in annotations],
                       dtype=np.int64))
    classes = data.get('classes')
    meta = dict(
        version=STORE_VERSION,
        skeleton_format=data.get('skeleton_format'),
        classes=None if classes is None else [str(c) for c in classes],
        frame_dir=[str(a['frame_dir']) for a in annotations],
        split={k: [str(n) for n in v]
               for k, v in (data.get('split') or {}).items()},
        preprocess=preprocess,
        source=source)
    with open(osp.join(path, _META), 'w') as f:
        json.dump(meta, f)


def _meta_problem(meta: Dict[str, Any]) -> Optional[str]:
    """What is wrong with the structure of a store's metadata, if
    anything."""

    def strings(value):
        return isinstance(value, list) and all(
            isinstance(v, str) for v in value)

    split = meta.get('split')
    checks = (
        ('frame_dir', strings(meta.get('frame_dir')),
         'a list of strings'),
        ('split', isinstance(split, dict) and all(
            isinstance(k, str) and strings(v) for k, v in split.items()),
         'an object of lists of strings'),
        ('classes', meta.get('classes') is None
         or strings(meta.get('classes')), 'null or a list of strings'),
        ('skeleton_format', meta.get('skeleton_format') is None
         or isinstance(meta.get('skeleton_format'), str),
         'null or a string'),
        ('preprocess', meta.get('preprocess') is None
         or isinstance(meta.get('preprocess'), dict), 'null or an object'),
    )
    for key, ok, expected in checks:
        if not ok:
            return f'{key!r} must be {expected}'
    return None


def _progress(iterable, enabled: bool, description: str):
    if not enabled:
        return iterable
    from rich.progress import track
    return track(iterable, description=description, transient=True)


class SkeletonStore:
    """Read access to a store directory.

    The index and metadata are loaded at once (they are small) and every
    file is checked (see the module docstring); the keypoint array is
    memory-mapped on first use in each process, and is not pickled with
    the object (a spawned DataLoader worker maps the file again).

    Args:
        path (str): The store directory.

    Raises:
        DamagedStoreError: A file is missing, unreadable, of another
            structure or version, or the files do not fit each other.
    """

    def __init__(self, path: str):
        self.path = osp.abspath(path)
        self.meta = self._read_meta()
        self.frame_dirs: List[str] = self.meta['frame_dir']
        index = self._read_index()
        self.offset = index['offset']
        self.num_bodies = index['num_bodies']
        self.num_frames = index['num_frames']
        self.labels = index['label']
        self._keypoint = None
        self._score = None
        self.has_score = osp.lexists(osp.join(self.path, _SCORE))
        keypoint = self.keypoint_array
        rows = int((self.num_bodies * self.num_frames).sum())
        if keypoint.ndim != 3 or keypoint.shape[0] != rows:
            raise self._damaged(
                f'index and {_KEYPOINT} disagree (truncated or mixed-up '
                f'store: {rows} rows indexed, array of shape '
                f'{keypoint.shape})')
        if self.has_score and self._score_array().shape != keypoint.shape[:2]:
            raise self._damaged(f'{_SCORE} does not fit {_KEYPOINT}')

    def _damaged(self, problem: str) -> DamagedStoreError:
        return DamagedStoreError(f'{self.path}: damaged skeleton store: '
                                 f'{problem}')

    def _read_meta(self) -> Dict[str, Any]:
        try:
            with open(osp.join(self.path, _META), 'rb') as f:
                meta = json.loads(f.read())
        except FileNotFoundError:
            raise self._damaged(f'{_META} is missing') from None
        except (OSError, ValueError) as err:
            raise self._damaged(f'{_META} is unreadable ({err})') from None
        if not isinstance(meta, dict):
            raise self._damaged(f'{_META} holds a JSON '
                                f'{type(meta).__name__}, not an object')
        if meta.get('version') != STORE_VERSION:
            raise DamagedStoreError(
                f'{self.path}: store version {meta.get("version")!r}, this '
                f's2i_mm reads version {STORE_VERSION}')
        problem = _meta_problem(meta)
        if problem:
            raise self._damaged(f'{_META}: {problem}')
        return meta

    def _read_index(self) -> Dict[str, np.ndarray]:
        try:
            with np.load(osp.join(self.path, _INDEX),
                         allow_pickle=False) as index:
                arrays = {k: np.asarray(index[k]) for k in _INDEX_KEYS}
        except FileNotFoundError:
            raise self._damaged(f'{_INDEX} is missing') from None
        except Exception as err:  # BadZipFile, EOFError, KeyError, ...
            raise self._damaged(f'{_INDEX} is unreadable '
                                f'({type(err).__name__}: {err})') from None
        count = len(self.frame_dirs)
        for key, array in arrays.items():
            if (array.ndim != 1 or array.dtype.kind not in 'iu'
                    or len(array) != count):
                raise self._damaged(
                    f'{_INDEX}: {key} is not {count} integers (one per '
                    f'frame_dir in {_META})')
        rows = arrays['num_bodies'] * arrays['num_frames']
        starts = np.concatenate([[0], np.cumsum(rows)[:-1]])
        if count and (arrays['num_bodies'].min() < 1
                      or arrays['num_frames'].min() < 1
                      or arrays['label'].min() < 0
                      or np.any(arrays['offset'] != starts)):
            raise self._damaged(f'{_INDEX}: offsets, sizes or labels out of '
                                'range')
        return arrays

    def _map(self, name: str) -> np.ndarray:
        try:
            array = np.load(osp.join(self.path, name), mmap_mode='r')
        except FileNotFoundError:
            raise self._damaged(f'{name} is missing') from None
        except Exception as err:  # EOFError, ValueError, OSError, ...
            raise self._damaged(f'{name} cannot be memory-mapped '
                                f'({type(err).__name__}: {err})') from None
        if array.dtype != np.float32:
            raise self._damaged(f'{name} holds {array.dtype}, not float32')
        return array

    def __len__(self) -> int:
        return len(self.frame_dirs)

    def __getstate__(self):
        state = self.__dict__.copy()
        state['_keypoint'] = state['_score'] = None
        return state

    @property
    def keypoint_array(self) -> np.ndarray:
        """The memory-mapped ``[R, V, C]`` array of all frames."""
        if self._keypoint is None:
            self._keypoint = self._map(_KEYPOINT)
        return self._keypoint

    def _score_array(self) -> np.ndarray:
        if self._score is None:
            self._score = self._map(_SCORE)
        return self._score

    @property
    def skeleton_format(self) -> Optional[str]:
        """The layout name recorded in the store."""
        return self.meta.get('skeleton_format')

    @property
    def classes(self) -> Optional[List[str]]:
        """The class names recorded in the store."""
        return self.meta.get('classes')

    @property
    def split(self) -> Dict[str, List[str]]:
        """Split name -> list of ``frame_dir``."""
        return self.meta.get('split') or {}

    @property
    def preprocess(self) -> Optional[Dict[str, Any]]:
        """Preprocessing already applied to the stored keypoints."""
        return self.meta.get('preprocess')

    def _rows(self, index: int) -> slice:
        start = int(self.offset[index])
        return slice(start, start + int(self.num_bodies[index] *
                                        self.num_frames[index]))

    def keypoint(self, index: int) -> np.ndarray:
        """A writable copy of sample ``index``'s ``[M, T, V, C]`` array."""
        array = self.keypoint_array
        shape = (int(self.num_bodies[index]), int(self.num_frames[index]),
                 *array.shape[1:])
        return np.array(array[self._rows(index)]).reshape(shape)

    def keypoint_score(self, index: int) -> np.ndarray:
        """A copy of sample ``index``'s ``[M, T, V]`` scores."""
        score = self._score_array()
        shape = (int(self.num_bodies[index]), int(self.num_frames[index]),
                 score.shape[1])
        return np.array(score[self._rows(index)]).reshape(shape)

    def annotation(self, index: int) -> Dict[str, Any]:
        """Sample ``index`` as a dict in the pkl schema."""
        ann = dict(
            frame_dir=self.frame_dirs[index],
            label=int(self.labels[index]),
            total_frames=int(self.num_frames[index]),
            keypoint=self.keypoint(index))
        if self.has_score:
            ann['keypoint_score'] = self.keypoint_score(index)
        return ann
