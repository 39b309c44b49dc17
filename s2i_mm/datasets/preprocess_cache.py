"""Where preprocessed datasets are cached, and when a cache is stale.

A cache is a packed store (:mod:`s2i_mm.datasets.store`) holding every
sample of a source file after validation and preprocessing. It lives in

* ``<directory of the source>/.s2i_cache/`` when that directory is
  writable, otherwise
* ``$S2I_MM_CACHE`` or ``~/.cache/s2i_mm/datasets/``,

named ``<source name>-<key>``. The key hashes the source's absolute path,
size and modification time (for a store source: of its files), the
skeleton format, the preprocessing options and the store version. Editing
or replacing the source, or changing an option, therefore selects a new
cache; the superseded caches of the same source are deleted when the new
one is written. Deleting a cache directory by hand is always safe.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from typing import Any, Dict, Optional

from .store import STORE_VERSION

__all__ = ['source_signature', 'cache_path', 'prune_stale_caches']

_CACHE_VERSION = 1


def source_signature(source: str) -> Dict[str, Any]:
    """Path, sizes and modification times identifying ``source``'s data.

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
        stats.append([osp.basename(file), stat.st_size, stat.st_mtime_ns])
    return dict(path=source, files=stats)


def _cache_root(source: str) -> str:
    local = osp.join(osp.dirname(osp.realpath(source)), '.s2i_cache')
    parent = osp.dirname(local)
    if (osp.isdir(local) and os.access(local, os.W_OK)) or (
            not osp.exists(local) and os.access(parent, os.W_OK)):
        return local
    return os.environ.get(
        'S2I_MM_CACHE',
        osp.join(osp.expanduser('~'), '.cache', 's2i_mm', 'datasets'))


def cache_path(source: str, skeleton_format: str,
               preprocess: Optional[Dict[str, Any]],
               cache_dir: Optional[str] = None) -> str:
    """The cache directory for ``source`` under these options.

    Args:
        source (str): A ``.pkl`` file or a store directory.
        skeleton_format (str): Name of the skeleton format.
        preprocess (dict, optional): Normalized preprocessing options.
        cache_dir (str, optional): Root directory of caches; by default
            next to the source (see the module docstring).

    Returns:
        str: Path of the cache store (it may not exist yet).
    """
    key = json.dumps(
        dict(source=source_signature(source), format=skeleton_format,
             preprocess=preprocess, store=STORE_VERSION,
             cache=_CACHE_VERSION),
        sort_keys=True)
    digest = hashlib.sha1(key.encode()).hexdigest()[:16]
    root = cache_dir or _cache_root(source)
    name = osp.basename(osp.realpath(source).rstrip('/'))
    return osp.join(root, f'{name}-{digest}')


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
        if not name.startswith(prefix) or path == current:
            continue
        try:
            with open(osp.join(path, 'meta.json')) as f:
                recorded = json.load(f).get('source') or {}
        except (OSError, ValueError):
            continue
        if (recorded.get('path') == signature['path']
                and recorded != signature):
            shutil.rmtree(path, ignore_errors=True)
