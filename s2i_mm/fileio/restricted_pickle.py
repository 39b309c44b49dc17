"""Unpickling annotation and keypoint files without running code.

:class:`RestrictedUnpickler` admits only what mmaction2 / pyskl skeleton
files hold (containers, strings, bytes, numbers, numpy arrays, dtypes and
scalars of plain dtypes); anything else stops the load with
:class:`ForbiddenGlobalError` before it is called. What is admitted and
why: see docs/datasets.md, "The restricted unpickler".
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
    ``_reconstruct``, never called, no attributes."""
    __slots__ = ()


_NDARRAY = _NDArrayClass()


class _Admitted:
    """An admitted function as the file sees it: callable, immutable."""
    __slots__ = ('_function', )

    def __init__(self, function: Callable):
        object.__setattr__(self, '_function', function)

    def __call__(self, *args):
        return self._function(*args)

    def __setattr__(self, name: str, value: Any):
        raise pickle.UnpicklingError('a pickle may not modify ' +
                                     getattr(self._function, '__name__', ''))


#: dtype kinds an array or scalar may have: bool, int, uint, float,
#: complex, bytes, str
_PLAIN_KINDS = 'biufcSU'


def _plain_dtype(dtype: Any) -> np.dtype:
    if not (isinstance(dtype, np.dtype) and dtype.kind in _PLAIN_KINDS
            and dtype.fields is None and dtype.subdtype is None):
        raise pickle.UnpicklingError(
            f'numpy dtype {dtype!r} is not admitted (only booleans, numbers '
            'and strings)')
    return dtype


def _scalar(dtype: Any, *data: Any) -> Any:
    return _multiarray.multiarray.scalar(_plain_dtype(dtype), *data)


def _frombuffer(buffer: Any, dtype: Any, *shape_order: Any) -> np.ndarray:
    return _numpy_frombuffer(buffer, _plain_dtype(dtype), *shape_order)


def _check_array_state(state: Any) -> None:
    """The state ``BUILD`` gives an array: ``(version, shape, dtype,
    is_fortran, data)`` (or without version), of a plain dtype."""
    dtypes = ([x for x in state if isinstance(x, np.dtype)]
              if isinstance(state, tuple) else [])
    if len(dtypes) != 1:
        raise pickle.UnpicklingError('unexpected numpy array state')
    _plain_dtype(dtypes[0])


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


def _admitted() -> Dict[Tuple[str, str], Any]:
    # types: immutable builtin classes; functions: wrapped
    names: Dict[Tuple[str, str], Any] = {
        ('numpy', 'ndarray'): _NDARRAY,
        ('numpy', 'dtype'): np.dtype,
        ('_codecs', 'encode'): _Admitted(_latin1),
        ('collections', 'OrderedDict'): collections.OrderedDict,
    }
    for core in ('numpy.core', 'numpy._core'):
        names[(f'{core}.multiarray', '_reconstruct')] = _Admitted(
            _reconstruct)
        names[(f'{core}.multiarray', 'scalar')] = _Admitted(_scalar)
        names[(f'{core}.numeric', '_frombuffer')] = _Admitted(_frombuffer)
    for module in ('builtins', '__builtin__'):
        for kind in (set, frozenset, complex):
            names[(module, kind.__name__)] = kind
        names[(module, 'bytes')] = _Admitted(_empty_bytes)
        names[(module, 'bytearray')] = _Admitted(_bytearray)
    return names


class RestrictedUnpickler(pickle._Unpickler):
    """A ``pickle.Unpickler`` that admits only containers, strings,
    numbers and numpy arrays (see the module docstring).

    Raises:
        ForbiddenGlobalError: When the file names anything else.
    """

    ADMITTED = _admitted()
    dispatch = dict(pickle._Unpickler.dispatch)

    def load_build(self) -> None:
        if isinstance(self.stack[-2], np.ndarray):
            _check_array_state(self.stack[-1])
        super().load_build()

    dispatch[pickle.BUILD[0]] = load_build

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
