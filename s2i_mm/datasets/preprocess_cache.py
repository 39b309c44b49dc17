"""Where preprocessed datasets are cached, and when a cache is stale.

A cache is a packed store named ``<source name>-<key>``, the key hashing
the source's identity (path; size, mtime, inode, ctime of each file), the
format, the preprocessing options and the store version.
:func:`load_or_build_cache` returns it or builds it once;
:func:`rank_zero_first` lets rank 0 build it alone. Where caches go and
when they are replaced: see docs/datasets.md, "Preprocessing runs once,
and is cached".
"""
import hashlib
import json
import os
import os.path as osp
from contextlib import contextmanager
from typing import Any, Callable, Dict, Iterator, List, Optional

from mmengine.dist import barrier, get_rank, is_distributed
from mmengine.logging import MMLogger

from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.fileio.atomic import check_writable
from s2i_mm.fileio.store import (
    STORE_VERSION,
    DamagedStoreError,
    SkeletonStore,
    is_own_store,
    is_store,
    write_store,
)
from s2i_mm.fileio.temp_files import discard

__all__ = [
    'source_signature', 'cache_path', 'open_cache', 'write_cache',
    'prune_stale_caches', 'find_cache', 'load_or_build_cache',
    'rank_zero_first'
]

_CACHE_VERSION = 1
_PROGRESS_MIN = 2000  # show progress bars from this many samples on


def source_signature(source: str) -> Dict[str, Any]:
    """What identifies ``source``'s data, from its files' status alone.

    Each file's size, modification time, inode and status-change time
    (``st_ctime``): a replacement with the same size and mtime is another
    inode (``rsync -a``, ``mv``) or has a newer ctime (``cp -p``), which no
    program can set back. One ``stat`` per file, where a content hash
    would read the whole file on every run (measured in docs/datasets.md).

    Args:
        source (str): A ``.pkl`` file or a store directory.

    Returns:
        dict: JSON-serializable; it changes when the data changes.
    """
    source = osp.realpath(source)
    files = ([osp.join(source, f) for f in sorted(os.listdir(source))]
             if osp.isdir(source) else [source])
    stats = []
    for file in files:
        stat = os.stat(file)
        stats.append([osp.basename(file), stat.st_size, stat.st_mtime_ns,
                      stat.st_ino, stat.st_ctime_ns])
    return dict(path=source, files=stats)


def _cache_roots(source: str, cache_dir: Optional[str]) -> List[str]:
    if cache_dir:
        return [cache_dir]
    return [
        osp.join(osp.dirname(osp.realpath(source)), '.s2i_cache'),
        os.environ.get(
            'S2I_MM_CACHE',
            osp.join(osp.expanduser('~'), '.cache', 's2i_mm', 'datasets'))
    ]


def _format_key(fmt) -> dict:
    """The layout's definition, for the cache key: two specs that share a
    name but not a definition get different caches."""
    key = fmt.to_dict()
    key.pop('source')  # a description, not part of the layout
    return key


def cache_path(source: str, skeleton_format,
               preprocess: Optional[Dict[str, Any]],
               cache_dir: Optional[str] = None) -> str:
    """The cache directory for ``source`` under these options.

    Args:
        source (str): A ``.pkl`` file or a store directory.
        skeleton_format (SkeletonFormat): The layout of the samples.
        preprocess (dict, optional): Normalized preprocessing options.
        cache_dir (str, optional): Root directory of caches; by default
            next to the source (see the module docstring).

    Returns:
        str: Path of the cache store: the existing one, or where a new one
        can be written.

    Raises:
        SkeletonDataError: If there is no cache yet and no candidate root
            is writable.
    """
    key = json.dumps(
        dict(source=source_signature(source),
             format=_format_key(skeleton_format),
             preprocess=preprocess, store=STORE_VERSION,
             cache=_CACHE_VERSION),
        sort_keys=True)
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    name = f'{osp.basename(osp.realpath(source).rstrip("/"))}-{digest}'
    paths = [osp.join(root, name)
             for root in _cache_roots(source, cache_dir)]
    for path in paths:
        if osp.lexists(path):
            return path
    problems = []
    for path in paths:
        try:
            check_writable(path)
            return path
        except OSError as err:
            problems.append(str(err))
    raise SkeletonDataError(
        f'{source}: no writable place for its preprocessed cache ('
        + '; '.join(problems) + '): set cache_dir= in the dataset config '
        'to a writable directory (or $S2I_MM_CACHE), or cache=False to keep '
        'the preprocessed samples in memory')


def prune_stale_caches(current: str, source: str) -> None:
    """Delete caches of ``source`` made from an older version of it.

    Caches of the same, unchanged source with other options are kept.

    Args:
        current (str): The cache just written (kept).
        source (str): The source it was made from.
    """
    root = osp.dirname(current)
    prefix = osp.basename(osp.realpath(source).rstrip('/')) + '-'
    signature = source_signature(source)
    for name in os.listdir(root):
        path = osp.join(root, name)
        if (not name.startswith(prefix) or path == current
                or not is_own_store(path)):
            continue
        try:
            with open(osp.join(path, 'meta.json')) as f:
                recorded = json.load(f)['source']
            stale = (recorded['path'] == signature['path']
                     and recorded != signature)
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a cache of a source file
        if stale:
            discard(path)


def open_cache(cache: str) -> Optional[SkeletonStore]:
    """Open a cache, or say that it must be (re)built.

    Args:
        cache (str): From :func:`cache_path`.

    Returns:
        SkeletonStore | None: The cache; ``None`` when it is missing, or
        damaged and a store s2i_mm wrote (derived data: rebuilt, with a
        warning in the log).

    Raises:
        SkeletonDataError: A damaged cache folder that s2i_mm may not
            replace (no marker, or other files in it).
    """
    if not osp.lexists(cache):
        return None
    try:
        return SkeletonStore(cache)
    except DamagedStoreError as err:
        if not is_own_store(cache):
            raise SkeletonDataError(
                f'{err}; the folder is not a store s2i_mm wrote (no marker '
                'file, or other files in it), so it is not replaced: delete '
                'it and the cache is rebuilt') from None
        MMLogger.get_current_instance().warning(
            f'{err}; rebuilding the cache')
        return None


def write_cache(data: Dict[str, Any], cache: str, source: str,
                preprocess: Optional[Dict[str, Any]],
                progress: bool = False) -> None:
    """Write the cache (replacing a damaged one s2i_mm wrote), then delete
    the caches of older versions of ``source``.

    Args:
        data (dict): The checked, preprocessed annotations.
        cache (str): From :func:`cache_path`.
        source (str): The file or store they come from.
        preprocess (dict, optional): The options applied.
        progress (bool): Show a progress bar. Defaults to False.

    Raises:
        SkeletonDataError: The cache cannot be written.
    """
    try:
        write_store(
            data, cache, preprocess=preprocess,
            source=source_signature(source), overwrite=osp.lexists(cache),
            progress=progress)
    except FileExistsError as err:
        # another process (another rank, or a concurrent job on the same
        # file) wrote the same cache first; stores appear atomically, so
        # it is complete
        if not is_store(cache):
            raise SkeletonDataError(str(err)) from None
    except OSError as err:
        raise SkeletonDataError(
            f'{source}: cannot write its cache {cache} ({err})') from None
    prune_stale_caches(cache, source)


def find_cache(source: str, skeleton_format,
               preprocess: Optional[Dict[str, Any]],
               cache_dir: Optional[str] = None) -> Optional[SkeletonStore]:
    """The cache of ``source`` under these options, if it is there.

    Finding it needs no look inside ``source`` (its files' status is in
    the key, :func:`source_signature`), so a run on a cached dataset never
    reads the file.

    Args:
        source (str): A ``.pkl`` file or a store directory.
        skeleton_format (SkeletonFormat): The layout of the samples.
        preprocess (dict, optional): Normalized preprocessing options.
        cache_dir (str, optional): Root directory of caches.

    Returns:
        SkeletonStore | None: The cache, or ``None`` when it must be
        built (missing, or damaged and rebuildable; see
        :func:`open_cache`).
    """
    return _open_logged(
        cache_path(source, skeleton_format, preprocess, cache_dir), source)


def _open_logged(cache: str, source: str) -> Optional[SkeletonStore]:
    store = open_cache(cache)
    if store is not None:
        MMLogger.get_current_instance().info(
            f'Using the preprocessed cache {cache} of {source}')
    return store


def load_or_build_cache(source: str, skeleton_format,
                        preprocess: Optional[Dict[str, Any]],
                        build: Callable[[], Dict[str, Any]],
                        cache_dir: Optional[str] = None) -> SkeletonStore:
    """The cache of ``source``, built with ``build()`` if it is missing.

    Args:
        source (str): A ``.pkl`` file or a store directory.
        skeleton_format (SkeletonFormat): The layout of the samples.
        preprocess (dict, optional): Normalized preprocessing options.
        build (callable): Returns the checked, preprocessed annotation
            dict; called only when there is no usable cache.
        cache_dir (str, optional): Root directory of caches.

    Returns:
        SkeletonStore: The cache, memory-mapped.

    Raises:
        SkeletonDataError: No writable place for the cache, a cache
            folder s2i_mm may not replace, or what ``build`` raises.
    """
    cache = cache_path(source, skeleton_format, preprocess, cache_dir)
    store = _open_logged(cache, source)
    if store is not None:
        return store
    MMLogger.get_current_instance().info(
        f'Preprocessing {source} once; caching it in {cache}')
    data = build()
    write_cache(data, cache, source, preprocess,
                progress=len(data['annotations']) >= _PROGRESS_MIN)
    return SkeletonStore(cache)


@contextmanager
def rank_zero_first(enabled: bool = True) -> Iterator[None]:
    """Run the block in rank 0 first, then in the other ranks.

    The other ranks wait at a barrier until rank 0 has left the block (as
    mmengine's checkpoint download does), also when it left with an
    error: they then meet the error themselves. A cache built inside the
    block is therefore written once, not once per rank, and the other
    ranks only map it. Outside a distributed run (or with ``enabled``
    False) the block just runs.

    Args:
        enabled (bool): Synchronize at all. Defaults to True.
    """
    if not (enabled and is_distributed()):
        yield
        return
    first = get_rank() == 0
    if not first:
        barrier()
    try:
        yield
    finally:
        if first:
            barrier()
