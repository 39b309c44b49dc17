"""All-or-nothing outputs: write under a temporary name, then rename.

The temporary file or folder lies in the destination directory and is
named by :mod:`.temp_files` (``.s2i-tmp-...``). A writer that fails or is
stopped by an exception removes it; one killed outright leaves it for
:func:`~.temp_files.sweep_stale`. An existing destination is replaced
only where the caller says it may be.
"""
import contextlib
import os
import os.path as osp
import tempfile
from typing import Callable, Iterator, Optional

from .temp_files import TEMP_PREFIX, remove, sweep_stale, temp_name

__all__ = ['atomic_path', 'atomic_dir', 'check_writable']


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _suffix(path: str) -> str:
    return f'-{osp.basename(path)[:100]}'


def check_writable(path: str) -> None:
    """Fail now, not after hours of work, if ``path`` cannot be written.

    The nearest existing ancestor of ``path``'s directory must be a
    directory in which a file can be created (tried, not guessed from
    permission bits: root, read-only mounts and ACLs all count).

    Args:
        path (str): A file or folder to be created.

    Raises:
        NotADirectoryError: An ancestor is a file.
        PermissionError: Nothing can be created there.
    """
    path = osp.abspath(path)
    ancestor = osp.dirname(path)
    while not osp.lexists(ancestor):
        ancestor = osp.dirname(ancestor)
    if not osp.isdir(ancestor):
        raise NotADirectoryError(
            f'cannot write {path}: {ancestor} is not a directory')
    try:
        fd, probe = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=ancestor)
    except OSError as err:
        raise PermissionError(f'cannot write {path}: nothing can be created '
                              f'in {ancestor} ({err.strerror})') from None
    os.close(fd)
    os.remove(probe)


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary file path that replaces ``path`` on success.

    Args:
        path (str): The destination file. Its directory is created.

    Yields:
        str: A path in the same directory to write to.

    Raises:
        IsADirectoryError: If ``path`` is a directory.
    """
    path = osp.abspath(path)
    if osp.isdir(path):
        raise IsADirectoryError(f'{path} is a directory; name a file')
    os.makedirs(osp.dirname(path), exist_ok=True)
    sweep_stale(osp.dirname(path))
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=_suffix(path),
                               dir=osp.dirname(path))
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        remove(tmp)


def _is_empty_dir(path: str) -> bool:
    return osp.isdir(path) and not osp.islink(path) and not os.listdir(path)


@contextlib.contextmanager
def atomic_dir(path: str,
               may_replace: Optional[Callable[[str], bool]] = None
               ) -> Iterator[str]:
    """Yield a temporary directory that becomes ``path`` on success.

    Args:
        path (str): The destination directory.
        may_replace (callable, optional): ``may_replace(path)`` says
            whether an existing, non-empty ``path`` may be replaced; it is
            asked before writing starts and again just before the
            replacement. Without it an existing ``path`` is kept: if it
            appears while writing (another process finished the same
            output first), the finished one is kept and ours is dropped.
            An empty directory is always replaced.

    Yields:
        str: A fresh directory next to ``path`` to fill.

    Raises:
        FileExistsError: If ``path`` exists, is not an empty directory and
            may not be replaced.
    """
    path = osp.abspath(path.rstrip('/'))

    def replaceable() -> bool:
        return _is_empty_dir(path) or bool(may_replace and may_replace(path))

    if osp.lexists(path) and not replaceable():
        raise FileExistsError(f'{path} exists; not replacing it')
    parent = osp.dirname(path)
    os.makedirs(parent, exist_ok=True)
    sweep_stale(parent)
    tmp = tempfile.mkdtemp(prefix=TEMP_PREFIX, suffix=_suffix(path),
                           dir=parent)
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private
    try:
        yield tmp
        try:
            os.rename(tmp, path)  # no ``path``, or an empty directory
        except OSError:
            if not osp.isdir(path) or osp.islink(path):
                raise
            if may_replace is None:
                return  # another writer finished first: keep its output
            if not may_replace(path):
                raise FileExistsError(
                    f'{path} exists; not replacing it') from None
            old = temp_name(path)
            os.rename(path, old)
            os.rename(tmp, path)
            remove(old)
    finally:
        remove(tmp)
