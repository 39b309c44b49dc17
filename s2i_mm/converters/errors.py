"""The one error a converter raises for a malformed raw input file, and
the readers of text, JSON, MATLAB files and numbers that raise it."""
import json
import math
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError

__all__ = [
    'MalformedInputError', 'read_text', 'read_lines', 'read_json',
    'read_mat', 'is_number', 'to_float32', 'json_numbers'
]


class MalformedInputError(SkeletonDataError):
    """A raw dataset file cannot be converted.

    The message names the file and, where one applies, the 1-based line, in
    the ``path:line: problem`` form that editors and terminals link to.

    Args:
        path (str): The offending file.
        problem (str): What is wrong, in words.
        line (int, optional): 1-based line number of the problem.
    """

    def __init__(self, path: str, problem: str, line: Optional[int] = None):
        self.path = path
        self.line = line
        self.problem = problem
        where = path if line is None else f'{path}:{line}'
        super().__init__(f'{where}: {problem}')

    def __reduce__(self):
        # keep the fields when the error travels back from a worker process
        return type(self), (self.path, self.problem, self.line)


def read_text(path: str) -> str:
    """Read a text file, turning unreadable content into the converter error.

    Args:
        path (str): The file.

    Returns:
        str: Its content.

    Raises:
        MalformedInputError: If the file cannot be read or is not text.
    """
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except UnicodeDecodeError as err:
        raise MalformedInputError(
            path, f'not a text file (byte {err.start} is not UTF-8)') from None
    except OSError as err:
        raise MalformedInputError(path, f'cannot read: {err.strerror}') \
            from None


def read_lines(path: str) -> List[str]:
    """The lines of a text file, trailing blank lines removed.

    Raises:
        MalformedInputError: Unreadable file, or a blank line before the
            last line with content (naming that line).
    """
    lines = read_text(path).split('\n')
    while lines and not lines[-1].strip():
        lines.pop()
    for i, line in enumerate(lines):
        if not line.strip():
            raise MalformedInputError(path, 'unexpected blank line', i + 1)
    return lines


def read_mat(path: str) -> Dict[str, Any]:
    """Load a MATLAB ``.mat`` file (v4 to v7.2) with ``scipy.io.loadmat``.

    Args:
        path (str): The file.

    Returns:
        dict: Variable name -> value, as ``loadmat`` returns them (no
        squeezing; the ``__header__``-style entries removed).

    Raises:
        MalformedInputError: The file cannot be read or is not a MAT file
            scipy reads (e.g. truncated, another file type, v7.3/HDF5).
    """
    from scipy.io import loadmat  # imported here: only MAT readers pay it
    try:
        content = loadmat(path)
    except Exception as err:  # noqa: BLE001 - scipy raises many types
        # on damaged input (ValueError, TypeError, MatReadError, OSError
        # without errno for a truncated stream, zlib and struct errors,
        # NotImplementedError for v7.3 files)
        if isinstance(err, OSError) and err.errno is not None:
            raise MalformedInputError(
                path, f'cannot read: {err.strerror}') from None
        raise MalformedInputError(
            path, f'not a readable MATLAB file ({type(err).__name__}: '
            f'{str(err)[:80]})') from None
    return {k: v for k, v in content.items() if not k.startswith('__')}


def read_json(path: str) -> Any:
    """Parse a JSON file, naming the line of a syntax error.

    Raises:
        MalformedInputError: Unreadable file or bad JSON.
    """
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as err:
        raise MalformedInputError(path, f'bad JSON: {err.msg} (column '
                                  f'{err.colno})', err.lineno) from None
    except (ValueError, RecursionError) as err:
        # e.g. an integer of more than 4300 digits, nesting beyond the
        # interpreter's recursion limit
        raise MalformedInputError(path, f'bad JSON: {err}') from None


def is_number(text: str) -> bool:
    """Whether ``text`` reads as a number (as ``float()`` reads it)."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def to_float32(values: np.ndarray) -> np.ndarray:
    """float32 copy of ``values``; values beyond float32 become inf (for
    the caller's finiteness check) instead of warning."""
    with np.errstate(over='ignore', invalid='ignore'):
        return np.asarray(values, dtype=np.float64).astype(np.float32)


def _float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:  # an integer beyond float64
        return math.inf


def json_numbers(path: str, values: Sequence[Any], where: str,
                 dtype: type = np.float32) -> np.ndarray:
    """Check and convert numbers read from JSON (coordinates, scores).

    Args:
        path (str): The file (for the error).
        values (Sequence): JSON values that must all be numbers.
        where (str): Where they are, e.g. ``'frame 3'`` (for the error).
        dtype (type): ``np.float32`` (coordinates, the default) or
            ``np.float64``.

    Returns:
        np.ndarray: Of ``dtype``, same length as ``values``.

    Raises:
        MalformedInputError: A value that is not a JSON number (a string,
            a boolean, null, a list), NaN or infinite, or beyond
            ``dtype``.
    """
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise MalformedInputError(
                path, f'{where}: {value!r:.40} is not a number')
        if isinstance(value, float) and not math.isfinite(value):
            raise MalformedInputError(path, f'{where}: NaN or infinite')
    with np.errstate(over='ignore', invalid='ignore'):
        array = np.array([_float(v) for v in values]).astype(dtype)
    if not np.isfinite(array).all():
        bad = values[int(np.argmin(np.isfinite(array)))]
        raise MalformedInputError(
            path, f'{where}: {bad!r:.40} is not a finite '
            f'{np.dtype(dtype).name} number')
    return array
