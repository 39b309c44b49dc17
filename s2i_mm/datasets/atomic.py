"""All-or-nothing outputs: write under a temporary name, then rename.

A writer that fails or is interrupted leaves nothing at the destination
(and removes its temporary file or directory).
"""
import contextlib
import os
import os.path as osp
import shutil
import tempfile
from typing import Iterator

__all__ = ['atomic_path', 'atomic_dir']


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary file path that replaces ``path`` on success.

    Args:
        path (str): The destination file. Its directory is created.

    Yields:
        str: A path in the same directory to write to.
    """
    path = osp.abspath(path)
    os.makedirs(osp.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp',
        dir=osp.dirname(path))
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_dir(path: str, overwrite: bool = False) -> Iterator[str]:
    """Yield a temporary directory that becomes ``path`` on success.

    Args:
        path (str): The destination directory.
        overwrite (bool): Replace an existing ``path``. If False and
            ``path`` appears while writing (another process finished
            first), the finished one is kept and ours is dropped.
            Defaults to False.

    Yields:
        str: A fresh directory next to ``path`` to fill.

    Raises:
        FileExistsError: If ``path`` exists before writing starts and
            ``overwrite`` is False.
    """
    path = osp.abspath(path.rstrip('/'))
    if osp.exists(path) and not overwrite:
        raise FileExistsError(
            f'{path} exists (pass overwrite=True / --overwrite to replace)')
    os.makedirs(osp.dirname(path), exist_ok=True)
    tmp = tempfile.mkdtemp(
        prefix=f'.{osp.basename(path)}.', suffix='.tmp',
        dir=osp.dirname(path))
    os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes it private
    try:
        yield tmp
        if osp.exists(path) and overwrite:
            old = tempfile.mkdtemp(
                prefix=f'.{osp.basename(path)}.', suffix='.old',
                dir=osp.dirname(path))
            os.replace(path, osp.join(old, 'x'))
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            try:
                os.rename(tmp, path)
            except OSError:
                if not osp.isdir(path):  # not a lost race: a real error
                    raise
    finally:
        if osp.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
