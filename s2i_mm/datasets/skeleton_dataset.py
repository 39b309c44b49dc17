"""``SkeletonDataset``: mmaction2 skeleton pkl files and packed stores."""
from collections import Counter
from typing import Any, Callable, Dict, List, Optional, Sequence, Union

from mmaction.datasets import BaseActionDataset
from mmengine.dist import barrier, get_rank, is_distributed
from mmengine.logging import MMLogger

from s2i_mm.registry import DATASETS

from .annotation import (
    SkeletonDataError,
    load_annotation_file,
    resolve_format,
    sample_error,
)
from .preprocess import normalize_preprocess, prepare_annotations
from .preprocess_cache import cache_path, open_cache, write_cache
from .splits import resolve_split
from .store import DamagedStoreError, SkeletonStore, is_store

__all__ = ['SkeletonDataset', 'DEFAULT_PREPROCESS']

#: Drop empty bodies/frames and centre on the format's centre joint; no
#: view alignment (the rotation about the vertical axis is left to the
#: data, e.g. as an augmentation target).
DEFAULT_PREPROCESS = dict(drop_empty=True, center=True, align=False)

_PROGRESS_MIN = 2000  # show progress bars from this many samples on


@DATASETS.register_module()
class SkeletonDataset(BaseActionDataset):
    """Skeleton sequences of one format, for S2I pipelines.

    Reads, unchanged, the annotation pkl files of mmaction2/pyskl
    (``{'split': {...}, 'annotations': [...]}``, e.g. mmaction2's
    ``ntu120_3d.pkl``) and packed stores (:mod:`s2i_mm.datasets.store`,
    written by ``tools/data/pack.py`` or the converters). Every sample is
    checked when the dataset is first loaded: a NaN coordinate, a wrong
    joint count, zero frames, a mismatching ``total_frames`` or a bad
    label stops with one :class:`SkeletonDataError` naming the file and
    the sample.

    **Preprocessing runs once, not per epoch.** The ``preprocess`` steps
    (:func:`~s2i_mm.datasets.preprocess.preprocess_keypoint`: drop empty
    bodies/frames, centre, optional view alignment) are applied to every
    sample when the dataset is built. With ``cache=True`` the result is
    written as a packed store (see
    :mod:`~s2i_mm.datasets.preprocess_cache` for where it lives and how it
    is invalidated: a changed source file or option selects a new cache)
    and memory-mapped; later runs, and every DataLoader worker, read that
    store instead of repeating the work or holding Python copies. A store
    source whose recorded preprocessing equals ``preprocess`` is used
    directly. With ``cache=False`` the processed samples stay in memory.

    Split names: any split of the file, and semi-supervised subsets
    ``<split>_<P>pct`` (e.g. ``xsub_train_1pct``) drawn deterministically
    and class-balanced with ``semi_seed`` (:mod:`s2i_mm.datasets.splits`).

    Each sample passed to the pipeline carries ``keypoint`` float32
    ``[M, T, V, C]``, ``total_frames``, ``label`` (and the same as
    ``gt_label``, the key mmpretrain's ``PackInputs`` reads), ``frame_dir``,
    ``skeleton_format`` (so that ``S2IEncode`` picks the layout),
    ``max_persons`` (the most bodies any sample of the file has, also in
    ``metainfo`` and so in checkpoints: ``S2IEncode`` lays out that many
    persons), ``modality='Pose'`` and ``start_index``.

    Args:
        ann_file (str): A ``.pkl`` annotation file or a store directory.
        pipeline (Sequence[dict | Callable]): Data transforms.
        split (str, optional): Split name; ``None`` takes every sample.
        skeleton_format (str, optional): Layout name (``'ntu25'``,
            ``'kinect20'``, ...). Defaults to the name the file records;
            one of the two is required, and they must agree. Naming it
            lets a run whose cache exists skip reading the file.
        preprocess (dict, optional): Once-per-dataset steps, keys
            ``drop_empty``, ``center``, ``align``; ``None`` for none.
            Defaults to :data:`DEFAULT_PREPROCESS`.
        cache (bool): Cache the checked, preprocessed samples as a store.
            Defaults to True.
        cache_dir (str, optional): Root directory for caches. Defaults to
            ``.s2i_cache`` next to ``ann_file`` (see
            :mod:`~s2i_mm.datasets.preprocess_cache`).
        semi_seed (int): Seed of semi-supervised subsets. Defaults to 0.
        **kwargs: Passed to mmaction2's ``BaseActionDataset`` (and
            mmengine's ``BaseDataset``), e.g. ``metainfo=dict(classes=...)``
            to name the classes, ``test_mode``, ``indices``.
    """

    def __init__(self,
                 ann_file: str,
                 pipeline: Sequence[Union[dict, Callable]] = (),
                 split: Optional[str] = None,
                 skeleton_format: Optional[str] = None,
                 preprocess: Optional[Dict[str, Any]] = DEFAULT_PREPROCESS,
                 cache: bool = True,
                 cache_dir: Optional[str] = None,
                 semi_seed: int = 0,
                 **kwargs) -> None:
        self.split = split
        self.skeleton_format = skeleton_format
        self.preprocess = normalize_preprocess(preprocess)
        self.cache = cache
        self.cache_dir = cache_dir
        self.semi_seed = semi_seed
        self._store: Optional[SkeletonStore] = None
        super().__init__(
            ann_file, pipeline=list(pipeline), modality='Pose', **kwargs)

    # ------------------------------------------------------------------
    # loading
    # ------------------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        """Check, preprocess (or reuse the cache) and select the split.

        In a distributed run rank 0 goes first while the other ranks wait
        at a barrier (as mmengine's checkpoint download does): a missing
        cache is then built and written once, not once per rank, and the
        other ranks only map it.
        """
        if not (self.cache and is_distributed()):
            return self._load_data_list()
        first = get_rank() == 0
        if not first:
            barrier()
        try:
            return self._load_data_list()
        finally:
            if first:  # also on an error: the others then meet it too
                barrier()

    def _load_data_list(self) -> List[dict]:
        source = self.ann_file
        if is_store(source):
            store = _open_source_store(source)
            self._resolve_format(store.skeleton_format)
            if store.preprocess == self.preprocess:
                return self._from_store(store)
            meta = dict(split=store.split, classes=store.classes)
            loader = lambda: _store_as_data(store)  # noqa: E731
        else:
            cached = self._existing_cache(source)
            if cached is not None:
                return self._from_store(cached)
            data = load_annotation_file(source)
            self._resolve_format(data.get('skeleton_format'))
            meta = dict(split=data['split'], classes=data.get('classes'))
            loader = lambda: data  # noqa: E731
        if not self.cache:
            data = self._prepared(loader())
            meta['max_persons'] = max(
                (len(a['keypoint']) for a in data['annotations']), default=0)
            return self._select(data['annotations'], meta, keep_arrays=True)
        cache = cache_path(source, self.format.name, self.preprocess,
                           self.cache_dir)
        logger = MMLogger.get_current_instance()
        store = open_cache(cache)
        if store is None:
            logger.info(f'Preprocessing {source} once; caching it in {cache}')
            data = self._prepared(loader())
            write_cache(data, cache, source, self.preprocess,
                        progress=len(data['annotations']) >= _PROGRESS_MIN)
            store = SkeletonStore(cache)
        else:
            logger.info(f'Using the preprocessed cache {cache} of {source}')
        store.meta.update(split=meta['split'], classes=meta['classes'])
        return self._from_store(store)

    def _existing_cache(self, source: str) -> Optional[SkeletonStore]:
        """The cache of annotation file ``source`` if it is already there
        and the config names the format, so that finding it needs no look
        inside the file: a run on a cached dataset never unpickles the
        (multi-GB, for NTU-120) annotation file, in any rank."""
        if not self.cache or self.skeleton_format is None:
            return None
        self._resolve_format(None)
        cache = cache_path(source, self.format.name, self.preprocess,
                           self.cache_dir)
        store = open_cache(cache)
        if store is None:
            return None
        # the cache was written from this very file (its size and mtime
        # are in the key): it records the file's format, split and classes
        self._resolve_format(store.skeleton_format)
        MMLogger.get_current_instance().info(
            f'Using the preprocessed cache {cache} of {source}')
        return store

    def _resolve_format(self, recorded: Optional[str]) -> None:
        self.format = resolve_format(self.ann_file, self.skeleton_format,
                                     recorded, "skeleton_format= (e.g. "
                                     "'ntu25')")
        self.skeleton_format = self.format.name

    def _prepared(self, data: Dict[str, Any]) -> Dict[str, Any]:
        return prepare_annotations(data, self.format, self.preprocess,
                                   self.ann_file)

    def _from_store(self, store: SkeletonStore) -> List[dict]:
        self._store = store
        records = [
            dict(frame_dir=name, label=int(label), total_frames=int(frames),
                 store_index=i)
            for i, (name, label, frames) in enumerate(
                zip(store.frame_dirs, store.labels, store.num_frames))
        ]
        meta = dict(store.meta,
                    max_persons=int(store.num_bodies.max(initial=0)))
        return self._select(records, meta, keep_arrays=False)

    def _select(self, records: List[dict], meta: Dict[str, Any],
                keep_arrays: bool) -> List[dict]:
        """Pick the split; set class names, ``num_classes`` and the
        dataset's ``max_persons`` (of every sample, whatever the split)."""
        self._metainfo['max_persons'] = meta['max_persons']
        classes = self._metainfo.get('classes') or meta.get('classes')
        labels = {r['frame_dir']: int(r['label']) for r in records}
        if len(labels) != len(records):
            repeated = [n for n, c in Counter(
                r['frame_dir'] for r in records).items() if c > 1]
            raise SkeletonDataError(
                f'{self.ann_file}: frame_dir '
                f'{", ".join(map(repr, repeated[:5]))} names more than one '
                'sample')
        if classes is not None:
            self._metainfo['classes'] = tuple(classes)
            for i, r in enumerate(records):
                if r['label'] >= len(classes):
                    raise sample_error(
                        self.ann_file, i, r,
                        f'label {r["label"]} but only {len(classes)} '
                        'classes are named')
        self.num_classes = (len(classes) if classes is not None else
                            max(labels.values(), default=-1) + 1)
        if self.split is not None:
            names = set(
                resolve_split(self.split, meta.get('split') or {}, labels,
                              self.semi_seed, self.ann_file))
            records = [r for r in records if r['frame_dir'] in names]
        if not records:
            raise SkeletonDataError(f'{self.ann_file}: no samples to load')
        fields = ('frame_dir', 'label', 'total_frames', 'store_index')
        if keep_arrays:
            fields += ('keypoint', )
        return [{k: r[k] for k in fields if k in r} for r in records]

    # ------------------------------------------------------------------
    # access
    # ------------------------------------------------------------------
    def get_data_info(self, idx: int) -> dict:
        """One sample, its keypoints read from the store if it has one."""
        info = super().get_data_info(idx)
        store_index = info.pop('store_index', None)
        if store_index is not None:
            info['keypoint'] = self._store.keypoint(store_index)
            if self._store.has_score:
                info['keypoint_score'] = self._store.keypoint_score(
                    store_index)
        info['skeleton_format'] = self.skeleton_format
        info['max_persons'] = self._metainfo['max_persons']
        # mmpretrain's PackInputs packs ``gt_label`` (mmaction2's ``label``)
        info['gt_label'] = info['label']
        return info

    def get_cat_ids(self, idx: int) -> List[int]:
        """The label of sample ``idx`` (for class-balanced wrappers)."""
        # mmengine's record only: no keypoints are read for this
        return [int(super(BaseActionDataset, self).get_data_info(idx)
                    ['label'])]

    @property
    def class_names(self) -> Optional[tuple]:
        """Class names, if the file or the config names them."""
        return self._metainfo.get('classes')


def _store_as_data(store: SkeletonStore) -> Dict[str, Any]:
    return dict(
        split=store.split, classes=store.classes,
        skeleton_format=store.skeleton_format,
        annotations=[store.annotation(i) for i in range(len(store))])


def _open_source_store(path: str) -> SkeletonStore:
    """The store the config names; a damaged one is the user's data, so it
    is reported, not replaced."""
    try:
        return SkeletonStore(path)
    except DamagedStoreError as err:
        raise SkeletonDataError(
            f'{err}; re-create it with tools/data/pack.py or a converter\'s '
            '--store option') from None
