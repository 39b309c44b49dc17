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
by name. What a file cannot do with the admitted names either:

* allocate memory it does not hold: ``numpy.ndarray`` is admitted only as
  the argument of ``_reconstruct`` (never called), ``bytes()`` and
  ``bytearray()`` take no size;
* read memory through object pointers: numpy arrays and scalars must
  have a plain dtype (booleans, numbers, byte or text strings; no object,
  structured or sub-array dtypes). numpy trusts the pickle there:
  ``ndarray.__setstate__`` with an object dtype and a shape larger than
  the pickled list reads past the list (a segmentation fault, seen with
  numpy 2.4), and a scalar of a dtype with object fields turns bytes of
  the file into object pointers;
* change them: functions are handed out wrapped in :class:`_Admitted`,
  whose attributes cannot be set (a ``BUILD`` opcode could otherwise set
  ``__defaults__`` of a numpy function for the whole process);
* exhaust memory through the memo: the C unpickler sizes its memo table by
  the largest index a file names, so one damaged byte (``LONG_BINPUT
  0x7fffffff``) makes it allocate and clear 32 GB. The pure-Python
  unpickler of the standard library (``pickle._Unpickler``) keeps the memo
  in a dict, so it is the base class here. It is as fast on protocol 2
  files (mmaction2's; the time goes into their latin-1 strings) and about
  half as fast on protocol 4/5 files (0.4 s instead of 0.2 s for 5,000 NTU
  samples, measured on the project's shared 2-core machine): the file is
  read once, when a dataset's cache is built.
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
