"""Unpickling annotation and keypoint files without running code.

mmaction2 / pyskl skeleton files are pickles. A plain ``pickle.load`` calls
whatever the file names (``os.system`` included), so s2i_mm reads every
such file with :class:`RestrictedUnpickler`, which admits only what those
files hold: containers (dict, list, tuple, set, frozenset,
``OrderedDict``), strings, bytes, numbers and numpy arrays, dtypes and
scalars. Anything else stops the load with :class:`ForbiddenGlobalError`
before it is called.

What the writers in the field emit, and hence what is admitted (checked in
``tests/datasets/test_restricted_pickle.py`` with files written as
mmaction2's ``tools/data/skeleton`` scripts write them, through
``mmengine.dump``, pickle protocol 2):

* numpy arrays: ``numpy.core.multiarray._reconstruct`` with the class
  ``numpy.ndarray`` and a ``numpy.dtype`` (protocols 0-4; numpy >= 2 names
  the module ``numpy._core``), or ``numpy._core.numeric._frombuffer``
  (protocol 5);
* numpy scalars (``np.int64`` labels, ...): ``numpy.core.multiarray.scalar``;
* protocols 0-2 spell ``bytes`` as ``_codecs.encode(text, 'latin1')``
  (``bytes()`` when empty, e.g. the data of an empty array) and sets,
  frozensets, bytearrays and complex numbers as calls of the builtin.

Names are mapped to the objects of the running numpy; nothing is imported
by name. ``numpy.ndarray`` itself is admitted only as the argument of
``_reconstruct``, not as something the file may call (calling it with a
huge shape would allocate memory the file does not hold).
"""
import collections
import io
import pickle
from typing import Any, BinaryIO, Callable, Dict, Tuple

import numpy as np

__all__ = ['ForbiddenGlobalError', 'RestrictedUnpickler', 'restricted_load']

_multiarray = getattr(np, '_core', None) or np.core
_numpy_reconstruct = _multiarray.multiarray._reconstruct
_numpy_frombuffer = _multiarray.numeric._frombuffer


class ForbiddenGlobalError(pickle.UnpicklingError):
    """The pickle names something outside the admitted types.

    Args:
        module (str): Module of the refused name.
        name (str): The refused name.
    """

    def __init__(self, module: str, name: str):
        self.module = module
        self.name = name
        super().__init__(f'{module}.{name}')


class _NDArrayClass:
    """Stands for ``numpy.ndarray`` in a pickle: passed to
    ``_reconstruct``, never called."""


_NDARRAY = _NDArrayClass()


def _reconstruct(cls: Any, shape: Any, typecode: Any) -> np.ndarray:
    # numpy pickles every array as _reconstruct(ndarray, (0,), b'b') and
    # sets the real shape and data with __setstate__ (which checks them)
    if cls is not _NDARRAY or tuple(shape) != (0, ):
        raise pickle.UnpicklingError(
            f'unexpected numpy array reconstruction {shape!r}')
    return _numpy_reconstruct(np.ndarray, shape, typecode)


def _latin1(text: str, encoding: str = 'latin1') -> bytes:
    if encoding not in ('latin1', 'latin-1'):
        raise pickle.UnpicklingError(f'unexpected encoding {encoding!r}')
    return text.encode('latin1')


def _empty_bytes() -> bytes:
    # protocols 0-2 write b'' as a call of bytes() without arguments;
    # bytes(n) would allocate n bytes, so no argument is taken
    return b''


def _bytearray(data: Any = b'', *encoding: str) -> bytearray:
    # pickled as bytearray(bytes) or bytearray(text, 'latin-1'); a count
    # (bytearray(n) allocates n bytes) is refused
    if not isinstance(data, (bytes, str)):
        raise pickle.UnpicklingError('unexpected bytearray argument')
    return bytearray(data, *encoding)


def _admitted() -> Dict[Tuple[str, str], Callable]:
    names: Dict[Tuple[str, str], Any] = {
        ('numpy', 'ndarray'): _NDARRAY,
        ('numpy', 'dtype'): np.dtype,
        ('_codecs', 'encode'): _latin1,
        ('collections', 'OrderedDict'): collections.OrderedDict,
    }
    for core in ('numpy.core', 'numpy._core'):
        names[(f'{core}.multiarray', '_reconstruct')] = _reconstruct
        names[(f'{core}.multiarray', 'scalar')] = \
            _multiarray.multiarray.scalar
        names[(f'{core}.numeric', '_frombuffer')] = _numpy_frombuffer
    for module in ('builtins', '__builtin__'):
        for kind in (set, frozenset, complex):
            names[(module, kind.__name__)] = kind
        names[(module, 'bytes')] = _empty_bytes
        names[(module, 'bytearray')] = _bytearray
    return names


class RestrictedUnpickler(pickle.Unpickler):
    """A ``pickle.Unpickler`` that admits only containers, strings,
    numbers and numpy arrays (see the module docstring).

    Raises:
        ForbiddenGlobalError: When the file names anything else.
    """

    ADMITTED = _admitted()

    def find_class(self, module: str, name: str) -> Any:
        try:
            return self.ADMITTED[(module, name)]
        except KeyError:
            raise ForbiddenGlobalError(module, name) from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError('persistent ids are not supported')


def restricted_load(file: BinaryIO) -> Any:
    """Unpickle one object from a binary file (or bytes) with
    :class:`RestrictedUnpickler`.

    Args:
        file (BinaryIO | bytes): An open binary file, or the pickle bytes.

    Returns:
        The unpickled object.

    Raises:
        ForbiddenGlobalError: The file names a type or function that is
            not admitted (it is not called).
        Exception: Whatever the pickle machinery raises for a truncated or
            garbled file (``UnpicklingError``, ``EOFError``, ``ValueError``
            and more): callers name the file.
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        file = io.BytesIO(file)
    return RestrictedUnpickler(file).load()
