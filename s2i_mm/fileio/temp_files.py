"""Temporary files and folders of s2i_mm's writers, and their clean-up.

Every output is first written under a temporary name
(``.s2i-tmp-<random>-<destination name>``) in its destination directory
(:mod:`.atomic`). The next writer into that directory removes every such
entry unchanged for :data:`STALE_AFTER_S` (:func:`sweep_stale`). Why age
alone, and why 24 hours: see docs/converters.md, "Common usage"
(Interruption).
"""
import os
import os.path as osp
import secrets
import shutil
import time
from typing import Optional

__all__ = [
    'TEMP_PREFIX', 'STALE_AFTER_S', 'temp_name', 'is_stale', 'sweep_stale',
    'discard', 'remove'
]

TEMP_PREFIX = '.s2i-tmp-'
#: A temporary entry unchanged this long (seconds) is stale.
STALE_AFTER_S = 24 * 3600


def _last_change(path: str) -> float:
    """Newest modification time of ``path`` and, for a folder, of its
    direct entries (a store being filled changes its files, not the
    folder)."""
    newest = os.lstat(path).st_mtime
    if osp.isdir(path) and not osp.islink(path):
        for entry in os.scandir(path):
            try:
                newest = max(newest, entry.stat(follow_symlinks=False)
                             .st_mtime)
            except OSError:
                pass
    return newest


def is_stale(path: str, now: Optional[float] = None) -> bool:
    """Whether the temporary entry ``path`` has not changed for
    :data:`STALE_AFTER_S` seconds.

    Args:
        path (str): An entry whose name starts with :data:`TEMP_PREFIX`.
        now (float, optional): The current time (``time.time()``).

    Returns:
        bool: True if it is that old; False if younger or gone.
    """
    try:
        age = (time.time() if now is None else now) - _last_change(path)
    except OSError:
        return False
    return age > STALE_AFTER_S


def temp_name(path: str) -> str:
    """A fresh temporary name (not created) next to ``path``."""
    path = osp.abspath(path)
    return osp.join(osp.dirname(path), f'{TEMP_PREFIX}'
                    f'{secrets.token_hex(4)}-{osp.basename(path)[:100]}')


def discard(path: str) -> None:
    """Delete a file or folder so that an interrupted deletion leaves only
    a temporary entry (swept later), never a half-deleted output: the
    entry is first renamed, then removed."""
    doomed = temp_name(path)
    os.rename(path, doomed)
    remove(doomed)


def remove(path: str) -> None:
    """Remove a file or a folder tree; a missing one is fine."""
    if osp.isdir(path) and not osp.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass


def sweep_stale(directory: str) -> int:
    """Remove the stale temporary entries of s2i_mm writers in
    ``directory``. Entries that cannot be removed (another user's) are
    left alone.

    Args:
        directory (str): The directory an output is about to be written
            to.

    Returns:
        int: How many entries were removed.
    """
    try:
        names = [n for n in os.listdir(directory)
                 if n.startswith(TEMP_PREFIX)]
    except OSError:
        return 0
    removed = 0
    now = time.time()
    for name in names:
        path = osp.join(directory, name)
        if is_stale(path, now):
            remove(path)
            removed += not osp.lexists(path)
    return removed
