"""How the processes of a tool end: together, and cleaning up after
themselves.

* :func:`die_with_parent` is the initializer of worker pools: a worker
  ends when the process that started it ends, however that ends (SIGKILL
  included), instead of living on with its memory (about 400 MB per
  converter worker).
* :func:`sigterm_as_exit` turns SIGTERM (``kill``, a scheduler's time
  limit) into ``SystemExit``, so that ``finally`` blocks run: temporary
  files are removed and pools stopped, as on Ctrl-C.
"""
import contextlib
import ctypes
import os
import signal
import sys
import threading
import time
from typing import Iterator

__all__ = ['die_with_parent', 'sigterm_as_exit']

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def die_with_parent(parent: int) -> None:
    """End this process when process ``parent`` ends.

    On Linux the kernel sends SIGKILL the moment the parent dies
    (``prctl(PR_SET_PDEATHSIG)``); elsewhere a daemon thread notices
    within half a second. Also lets the parent alone handle Ctrl-C and
    SIGTERM (the worker ignores SIGINT and takes the default SIGTERM
    action), so that an interruption is reported once, by the parent.

    Args:
        parent (int): PID of the parent, taken in the parent (a worker
            whose parent already died exits at once).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    armed = False
    if sys.platform.startswith('linux'):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0,
                               0) == 0
        except (OSError, AttributeError):
            armed = False
    if not armed:
        threading.Thread(target=_watch_parent, args=(parent, ),
                         daemon=True).start()
    if os.getppid() != parent:  # it died before the kernel was told
        os._exit(1)


def _raise_exit(signum: int, frame) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def sigterm_as_exit() -> Iterator[None]:
    """Within the block, SIGTERM raises ``SystemExit(143)`` in the main
    thread (cleanup runs); the previous handler is restored after it.
    Does nothing outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_exit)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
