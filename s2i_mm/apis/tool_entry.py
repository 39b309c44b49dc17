"""The entry point of the command-line tools: an expected failure becomes
one ``error:`` line, and mmcv-lite's known import warning is hidden.

:func:`tool_main` wraps a tool's ``main(argv)``: an exception of
:func:`user_errors` (a missing or unreadable file, bad data, a config that
contradicts itself, a checkpoint that does not fit, a NaN loss, no network
for pretrained weights) is printed as ``error: <message>`` on stderr and
the tool exits with status 1, as the data converters do
(:func:`s2i_mm.converters.cli.run_converter`). ``--debug`` (see
:func:`add_debug_arg`) or ``S2I_MM_DEBUG=1`` lets it raise with its
traceback; any other exception always does. Why these and not others:
README.md, "When a tool fails".
"""
import argparse
import contextlib
import functools
import os
import sys
import warnings
from typing import Callable, Optional, Sequence

__all__ = ['tool_main', 'add_debug_arg', 'debug_requested', 'user_errors',
           'error_message', 'known_warnings_hidden', 'DEBUG_ENV']

#: Environment variable that, set to anything but ''/'0', shows tracebacks.
DEBUG_ENV = 'S2I_MM_DEBUG'

#: Upstream warnings the tools hide: mmcv-lite (the intended dependency)
#: lacks the compiled ops of full mmcv, which s2i_mm never uses.
_KNOWN_WARNINGS = (r'Fail to import ``MultiScaleDeformableAttention``', )


def add_debug_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--debug``: show the traceback of an expected failure."""
    parser.add_argument(
        '--debug', action='store_true',
        help='on an expected failure (missing file, bad data, ...) show the '
        f'traceback instead of one error line (also: {DEBUG_ENV}=1)')


def debug_requested(argv: Optional[Sequence[str]] = None) -> bool:
    """Whether ``--debug`` is in ``argv`` (default: the command line) or
    :data:`DEBUG_ENV` is set."""
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('',
                                                                       '0')


def user_errors() -> tuple:
    """The exception types a tool reports as one line: failures of the
    user's input, files, configs or machine, each raised with a message
    that names what is wrong."""
    from urllib.error import URLError

    from s2i_mm.apis.checkpoint_fit import CheckpointMismatchError
    from s2i_mm.apis.preflight import PreflightError
    from s2i_mm.apis.tool_jobs import StepFailed
    from s2i_mm.compat import CorruptCheckpointError, UnsafeCheckpointError
    from s2i_mm.engine.hooks import InvalidLossError
    from s2i_mm.evaluation.score_fusion import ScoreFusionError
    from s2i_mm.fileio.annotation import SkeletonDataError
    from s2i_mm.formats.skeleton_format import SkeletonFormatError
    from s2i_mm.utils.streams import StreamMismatchError
    return (PreflightError, SkeletonDataError, SkeletonFormatError,
            StreamMismatchError, InvalidLossError, CorruptCheckpointError,
            UnsafeCheckpointError, CheckpointMismatchError,
            ScoreFusionError, StepFailed, URLError, OSError, ImportError)


def error_message(err: BaseException) -> str:
    """What ``error:`` says about ``err``."""
    from urllib.error import URLError
    if isinstance(err, URLError):
        from s2i_mm.apis.preflight import offline_weights_advice
        return offline_weights_advice(None,
                                      str(err.reason))
    if isinstance(err, OSError) and err.filename is not None and (
            err.strerror):
        return f'{err.filename}: {err.strerror}'
    return str(err).strip() or type(err).__name__


@contextlib.contextmanager
def known_warnings_hidden():
    """Hide the upstream warnings of :data:`_KNOWN_WARNINGS` (nothing
    else) while the block runs."""
    with warnings.catch_warnings():
        for message in _KNOWN_WARNINGS:
            warnings.filterwarnings('ignore', message=message)
        yield


def tool_main(main: Callable) -> Callable:
    """Decorate a tool's ``main(argv=None)`` so that an expected failure
    prints one ``error:`` line and returns exit status 1 (see the module
    docstring); the result of ``main`` (None or an exit status) is
    returned as an int. Use as ``sys.exit(main())``."""

    @functools.wraps(main)
    def run(argv: Optional[Sequence[str]] = None) -> int:
        argv = sys.argv[1:] if argv is None else list(argv)
        with known_warnings_hidden():
            try:
                status = main(argv)
            except user_errors() as err:
                if debug_requested(argv):
                    raise
                sys.stdout.flush()
                print(f'error: {error_message(err)}', file=sys.stderr)
                return 1
        return status if isinstance(status, int) else 0

    return run
