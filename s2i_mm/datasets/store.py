"""The packed skeleton store: one memory-mapped array plus a small index.

Layout of a store directory (no pickle anywhere)::

    keypoint.npy        float32 [R, V, C]: the frames of every body of
                        every sample, one after another (sample i occupies
                        rows offset[i] : offset[i] + M_i * T_i, body-major)
    keypoint_score.npy  float32 [R, V] (optional, 2D pose estimates)
    index.npz           int64 offset[N], num_bodies[N], num_frames[N],
                        label[N]
    meta.json           version, skeleton_format, classes, frame_dir[N],
                        split {name: [frame_dir, ...]}, preprocess, source

Readers open ``keypoint.npy`` with ``np.load(mmap_mode='r')``: DataLoader
workers then share the page cache instead of each holding a copy of
Python objects.
"""
import json
import os
import os.path as osp
from typing import Any, Dict, List, Optional

import numpy as np

from .annotation import SkeletonDataError
from .atomic import atomic_dir

__all__ = ['SkeletonStore', 'write_store', 'is_store', 'STORE_VERSION']

STORE_VERSION = 1
_META = 'meta.json'
_INDEX = 'index.npz'
_KEYPOINT = 'keypoint.npy'
_SCORE = 'keypoint_score.npy'


def is_store(path: str) -> bool:
    """Whether ``path`` is a store directory."""
    return osp.isdir(path) and osp.isfile(osp.join(path, _META))


def write_store(data: Dict[str, Any],
                path: str,
                preprocess: Optional[Dict[str, Any]] = None,
                source: Optional[Dict[str, Any]] = None,
                overwrite: bool = False,
                progress: bool = False) -> None:
    """Write annotations (already checked) as a store, atomically.

    Args:
        data (dict): In the pkl schema: ``annotations`` (samples with
            ``frame_dir``, ``label``, ``keypoint`` ``[M, T, V, C]`` and
            optionally ``keypoint_score`` ``[M, T, V]`` in every sample),
            and optionally ``split``, ``skeleton_format`` and ``classes``.
        path (str): The store directory. If it is an existing empty
            directory (e.g. a temporary one of a caller that renames it
            itself), the store is written into it; otherwise the store is
            written next to it and renamed into place.
        preprocess (dict, optional): The preprocessing already applied to
            the keypoints (see :mod:`s2i_mm.datasets.preprocess`).
        source (dict, optional): Where the data came from (free form).
        overwrite (bool): Replace an existing store. Defaults to False.
        progress (bool): Show a progress bar. Defaults to False.
    """
    if osp.isdir(path) and not os.listdir(path):
        _fill_store(path, data, preprocess, source, progress)
        return
    with atomic_dir(path, overwrite=overwrite) as tmp:
        _fill_store(tmp, data, preprocess, source, progress)


def _fill_store(path: str, data: Dict[str, Any],
                preprocess: Optional[Dict[str, Any]],
                source: Optional[Dict[str, Any]], progress: bool) -> None:
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


def _progress(iterable, enabled: bool, description: str):
    if not enabled:
        return iterable
    from rich.progress import track
    return track(iterable, description=description, transient=True)


class SkeletonStore:
    """Read access to a store directory.

    The index and metadata are loaded at once (they are small); the
    keypoint array is memory-mapped on first use in each process, and is
    not pickled with the object (a spawned DataLoader worker maps the file
    again).

    Args:
        path (str): The store directory.

    Raises:
        SkeletonDataError: If a file is missing or the index does not fit
            the keypoint array.
    """

    def __init__(self, path: str):
        self.path = osp.abspath(path)
        meta_file = osp.join(self.path, _META)
        try:
            with open(meta_file) as f:
                self.meta = json.load(f)
            with np.load(osp.join(self.path, _INDEX),
                         allow_pickle=False) as index:
                self.offset = index['offset']
                self.num_bodies = index['num_bodies']
                self.num_frames = index['num_frames']
                self.labels = index['label']
        except (OSError, ValueError, KeyError) as err:
            raise SkeletonDataError(
                f'{self.path}: not a readable skeleton store '
                f'({type(err).__name__}: {err})') from None
        if self.meta.get('version') != STORE_VERSION:
            raise SkeletonDataError(
                f'{meta_file}: store version {self.meta.get("version")!r}, '
                f'this s2i_mm reads version {STORE_VERSION}')
        self.frame_dirs: List[str] = self.meta['frame_dir']
        self._keypoint = None
        self._score = None
        self.has_score = osp.isfile(osp.join(self.path, _SCORE))
        rows = self.keypoint_array.shape[0]
        counts = {len(self.frame_dirs), len(self.offset), len(self.labels)}
        end = self.offset + self.num_bodies * self.num_frames
        if len(counts) != 1 or (len(end) and end.max() > rows):
            raise SkeletonDataError(
                f'{self.path}: index and keypoint.npy disagree (truncated or '
                'mixed-up store); re-create it with tools/data/pack.py')

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
            file = osp.join(self.path, _KEYPOINT)
            try:
                self._keypoint = np.load(file, mmap_mode='r')
            except (OSError, ValueError) as err:
                raise SkeletonDataError(
                    f'{file}: cannot be memory-mapped ({err})') from None
        return self._keypoint

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
        if self._score is None:
            self._score = np.load(
                osp.join(self.path, _SCORE), mmap_mode='r')
        shape = (int(self.num_bodies[index]), int(self.num_frames[index]),
                 self._score.shape[1])
        return np.array(self._score[self._rows(index)]).reshape(shape)

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
