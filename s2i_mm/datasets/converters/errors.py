"""The one error a converter raises for a malformed raw input file."""
import json
from typing import Any, Optional

from ..annotation import SkeletonDataError

__all__ = ['MalformedInputError', 'read_text', 'read_json']


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
