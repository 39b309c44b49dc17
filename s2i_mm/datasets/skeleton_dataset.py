"""``SkeletonDataset``: mmaction2 skeleton pkl files and packed stores.

The dataset is a composition of single-purpose units, in data-flow order:

* :mod:`s2i_mm.fileio.annotation`: load an annotation file (safely) and
  check it;
* :mod:`.preprocess`: check and preprocess every sample once;
* :mod:`.preprocess_cache`: keep that result as a memory-mapped store, built
  by one rank;
* :mod:`.splits`: pick the split (or a semi-supervised subset).
"""
import functools
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

from mmaction.datasets import BaseActionDataset

from s2i_mm.fileio.annotation import (
    SkeletonDataError,
    check_labels,
    load_annotation_file,
    resolve_format,
)
from s2i_mm.fileio.store import DamagedStoreError, SkeletonStore, is_store
from s2i_mm.formats import register_format
from s2i_mm.registry import DATASETS

from .preprocess import (
    DEFAULT_PREPROCESS,
    normalize_preprocess,
    prepare_annotations,
)
from .preprocess_cache import find_cache, load_or_build_cache, rank_zero_first
from .splits import select_split

__all__ = ['SkeletonDataset', 'DEFAULT_PREPROCESS']

#: The fields of a sample record (a store-backed record has ``store_index``
#: in place of ``keypoint``).
_RECORD_FIELDS = ('frame_dir', 'label', 'total_frames', 'keypoint')

Samples = Tuple[List[dict], Dict[str, Any]]


@DATASETS.register_module()
class SkeletonDataset(BaseActionDataset):
    """Skeleton sequences of one format, for S2I pipelines.

    Reads, unchanged, the annotation pkl files of mmaction2/pyskl
    (``{'split': {...}, 'annotations': [...]}``, e.g. mmaction2's
    ``ntu120_3d.pkl``) and packed stores (:mod:`s2i_mm.fileio.store`,
    written by ``tools/data/pack.py`` or the converters). Every sample is
    checked when the dataset is first loaded: a NaN coordinate, a wrong
    joint count, zero frames, a mismatching ``total_frames`` or a bad
    label stops with one :class:`SkeletonDataError` naming the file and
    the sample.

    **Preprocessing runs once, not per epoch.** The ``preprocess`` steps
    (:func:`~s2i_mm.datasets.preprocess.preprocess_sample`: drop empty
    bodies/frames, centre, optional view alignment; inference calls the
    same function) are applied to every sample when the dataset is
    built. With ``cache=True`` the result is written as a packed store
    (see :mod:`~s2i_mm.datasets.preprocess_cache` for where it lives and
    how it is invalidated: a changed source file or option selects a new
    cache) and memory-mapped; later runs, and every DataLoader worker,
    read that store instead of repeating the work or holding Python
    copies. A store source whose recorded preprocessing equals
    ``preprocess`` is used directly. With ``cache=False`` the processed
    samples stay in memory.

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
        skeleton_format (str, optional): The layout: a registered name
            (``'ntu25'``, ``'kinect20'``, a plugin's) or a spec file.
            Defaults to the one the file records; one of the two is
            required, and they must name the same layout (the rule of
            :mod:`s2i_mm.formats.format_reference`). Naming it lets a run
            whose cache exists skip reading the file.
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
        self._given_format = skeleton_format
        self.skeleton_format = skeleton_format  # its name once resolved
        self.preprocess = normalize_preprocess(preprocess)
        self.cache = cache
        self.cache_dir = cache_dir
        self.semi_seed = semi_seed
        self._store: Optional[SkeletonStore] = None
        super().__init__(
            ann_file, pipeline=list(pipeline), modality='Pose', **kwargs)

    # ------------------------------------------------------------------
    # loading: annotations -> preprocessed once (cached) -> split
    # ------------------------------------------------------------------
    def load_data_list(self) -> List[dict]:
        """Load, check and preprocess every sample (or map the cache),
        then select the split.

        In a distributed run with ``cache=True`` rank 0 goes first while
        the other ranks wait (:func:`~.preprocess_cache.rank_zero_first`):
        a missing cache is then built and written once, not once per
        rank, and the other ranks only map it.
        """
        with rank_zero_first(self.cache):
            records, meta = self._preprocessed_samples()
        return self._select(records, meta)

    def _preprocessed_samples(self) -> Samples:
        """Every checked, preprocessed sample and the file's metadata:
        from a store source that was packed with these options, from the
        cache, or loaded, preprocessed and (with ``cache``) cached."""
        source = self.ann_file
        if is_store(source):
            store = _open_source_store(source)
            self._resolve_format(store.skeleton_format)
            if store.preprocess == self.preprocess:
                return self._from_store(store)
            meta = dict(split=store.split, classes=store.classes)
            load: Callable[[], Dict[str, Any]] = functools.partial(
                _store_as_data, store)
        else:
            cached = self._existing_cache(source)
            if cached is not None:
                return self._from_store(cached)
            data = load_annotation_file(source)
            self._resolve_format(data.get('skeleton_format'))
            meta = dict(split=data['split'], classes=data.get('classes'))
            load = lambda: data  # noqa: E731
        if not self.cache:
            return _in_memory(self._prepared(load()), meta)
        # the cache keeps the source's own format record (preprocessing
        # leaves it), so that a run that finds the cache resolves the
        # layout exactly as one that reads the source
        store = load_or_build_cache(source, self.format, self.preprocess,
                                    lambda: self._prepared(load()),
                                    self.cache_dir)
        store.meta.update(meta)
        return self._from_store(store)

    def _existing_cache(self, source: str) -> Optional[SkeletonStore]:
        """The cache of annotation file ``source`` if it is already there
        and the config names the format, so that finding it needs no look
        inside the file: a run on a cached dataset never unpickles the
        (multi-GB, for NTU-120) annotation file, in any rank."""
        if not self.cache or self._given_format is None:
            return None
        try:
            given = resolve_format(self.ann_file, self._given_format, None,
                                   '')
        except SkeletonDataError:
            # e.g. a name only the file's recorded spec defines: read it
            return None
        # the key holds the source's identity (size, mtime, inode, ctime)
        # and the layout's definition: a cache found was written from this
        # very file, read as this layout; it keeps the file's split,
        # classes and recorded format, resolved here as the file's would be
        store = find_cache(source, given, self.preprocess, self.cache_dir)
        if store is not None:
            self._resolve_format(store.skeleton_format)
        return store

    def _resolve_format(self, recorded: Optional[str]) -> None:
        """Set ``self.format`` from the configured and the recorded
        references (:mod:`s2i_mm.formats.format_reference`); samples then
        carry the layout's name, registered in this process."""
        self.format = resolve_format(self.ann_file, self._given_format,
                                     recorded, "skeleton_format= (e.g. "
                                     "'ntu25' or a spec file)")
        self.skeleton_format = self.format.name

    def __setstate__(self, state: Dict[str, Any]) -> None:
        """Unpickled in a spawned DataLoader worker: register the layout
        again there, so the name every sample carries resolves."""
        self.__dict__.update(state)
        if getattr(self, 'format', None) is not None:
            register_format(self.format)

    def _prepared(self, data: Dict[str, Any]) -> Dict[str, Any]:
        return prepare_annotations(data, self.format, self.preprocess,
                                   self.ann_file)

    def _from_store(self, store: SkeletonStore) -> Samples:
        self._store = store
        records = [
            dict(frame_dir=name, label=int(label), total_frames=int(frames),
                 store_index=i)
            for i, (name, label, frames) in enumerate(
                zip(store.frame_dirs, store.labels, store.num_frames))
        ]
        meta = dict(store.meta,
                    max_persons=int(store.num_bodies.max(initial=0)))
        return records, meta

    def _select(self, records: List[dict],
                meta: Dict[str, Any]) -> List[dict]:
        """Check names and labels, pick the split; set class names,
        ``num_classes`` and the dataset's ``max_persons`` (of every
        sample, whatever the split)."""
        self._metainfo['max_persons'] = meta['max_persons']
        classes = self._metainfo.get('classes') or meta.get('classes')
        labels = check_labels(records, classes, self.ann_file)
        if classes is not None:
            self._metainfo['classes'] = tuple(classes)
        self.num_classes = (len(classes) if classes is not None else
                            max(labels.values(), default=-1) + 1)
        return select_split(records, self.split, meta.get('split') or {},
                            labels, self.semi_seed, self.ann_file)

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


def _in_memory(data: Dict[str, Any], meta: Dict[str, Any]) -> Samples:
    """Records holding the preprocessed arrays (``cache=False``)."""
    records = [{k: a[k] for k in _RECORD_FIELDS if k in a}
               for a in data['annotations']]
    meta = dict(meta, max_persons=max(
        (len(r['keypoint']) for r in records), default=0))
    return records, meta


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
