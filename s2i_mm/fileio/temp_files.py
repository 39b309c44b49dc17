"""Temporary files and folders of s2i_mm's writers, and their clean-up.

Every output is first written under a temporary name in its destination
directory (:mod:`.atomic`). Such a name is recognisable and says who
wrote it::

    .s2i-tmp-<writer>-<pid>-<random>-<destination name>

``<writer>`` identifies this machine, boot and PID namespace (a hash),
``<pid>`` the writing process. A writer that fails, or is stopped by
Ctrl-C / SIGTERM, removes its temporary entry itself; one killed with
SIGKILL (or a power cut) cannot. The next writer into the same directory
then removes every *stale* entry (:func:`sweep_stale`):

* written on this machine by a process that is no longer running, or
* older than :data:`STALE_AFTER_S` (24 hours) without a change, whoever
  wrote it (another machine on a shared file system, where a live process
  cannot be told from a dead one): no writer keeps an entry unchanged
  that long (the longest, a packed store of NTU-120, is written in
  minutes).

Entries of live writers on this machine are never touched.
"""
import hashlib
import os
import os.path as osp
import secrets
import shutil
import socket
import time
from typing import Optional

__all__ = [
    'TEMP_PREFIX', 'STALE_AFTER_S', 'temp_prefix', 'temp_name', 'is_stale',
    'sweep_stale', 'discard', 'remove'
]

TEMP_PREFIX = '.s2i-tmp-'
STALE_AFTER_S = 24 * 3600
_WRITER: Optional[str] = None


def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return ''


def _writer_id() -> str:
    """8 hex digits naming this host, boot and PID namespace: processes
    with the same id can see each other's PIDs."""
    global _WRITER
    if _WRITER is None:
        try:
            namespace = os.readlink('/proc/self/ns/pid')
        except OSError:
            namespace = ''
        key = '|'.join((socket.gethostname(), namespace,
                        _read('/proc/sys/kernel/random/boot_id')))
        _WRITER = hashlib.sha1(key.encode()).hexdigest()[:8]
    return _WRITER


def temp_prefix() -> str:
    """The name prefix of this process's temporary entries (for
    :func:`tempfile.mkstemp` / :func:`tempfile.mkdtemp`, whose random part
    follows it)."""
    return f'{TEMP_PREFIX}{_writer_id()}-{os.getpid()}-'


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


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
    """Whether the temporary entry ``path`` belongs to no running writer.

    Args:
        path (str): An entry whose name starts with :data:`TEMP_PREFIX`.
        now (float, optional): The current time (``time.time()``).

    Returns:
        bool: True if its writer, on this machine, is not running, or if
        it has not changed for :data:`STALE_AFTER_S` seconds.
    """
    fields = osp.basename(path)[len(TEMP_PREFIX):].split('-', 2)
    if (len(fields) == 3 and fields[0] == _writer_id()
            and fields[1].isdigit() and not _running(int(fields[1]))):
        return True
    try:
        age = (time.time() if now is None else now) - _last_change(path)
    except OSError:
        return False
    return age > STALE_AFTER_S


def temp_name(path: str) -> str:
    """A fresh temporary name (not created) next to ``path``."""
    path = osp.abspath(path)
    return osp.join(osp.dirname(path), f'{temp_prefix()}'
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
    ``directory`` (see the module docstring). Entries that cannot be
    removed (another user's) are left alone.

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
