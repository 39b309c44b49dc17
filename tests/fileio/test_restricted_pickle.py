"""The restricted unpickler: mmaction2 / pyskl files load unchanged, code
in a file never runs."""
import collections
import os
import pickle

import mmengine
import numpy as np
import pytest
from skeleton_data import assert_identical

from s2i_mm.fileio import SkeletonDataError, load_annotation_file
from s2i_mm.fileio.restricted_pickle import (
    ForbiddenGlobalError,
    restricted_load,
)


def mmaction2_tool_files():
    """Annotations with exactly the fields and types that mmaction2's own
    ``tools/data/skeleton`` scripts write (read from their source):

    * ``gen_ntu_rgbd_raw.py``: a list of dicts, ``keypoint`` float32
      ``[C, T, V, M]``, ``keypoint_score`` float32, ``frame_dir`` str,
      ``img_shape`` tuple, ``total_frames`` and ``label`` int;
    * ``ntu_pose_extraction.py``: one dict, 2D ``keypoint`` float32
      ``[M, T, 17, 2]``, ``keypoint_score``, ``img_shape`` and
      ``original_shape`` tuples;
    * ``babel2mma2.py``: float16 ``keypoint``, ``label`` a numpy integer
      (taken from a numpy array);

    and the pyskl / mmaction2 published layout (``{'split', 'annotations'}``
    with ``xsub_train`` / ``xsub_val`` lists).
    """
    rng = np.random.default_rng(0)
    raw = [dict(keypoint=rng.normal(size=(3, 300, 25, 2)).astype(np.float32),
                keypoint_score=np.ones((3, 300, 25), np.float32),
                frame_dir='S001C001P001R001A001', img_shape=(1080, 1920),
                total_frames=103, label=0)]
    pose = rng.normal(size=(2, 40, 17, 3)).astype(np.float32)
    extraction = dict(keypoint=pose[..., :2], keypoint_score=pose[..., 2],
                      frame_dir='S001C001P001R001A050',
                      img_shape=(1080, 1920), original_shape=(1080, 1920),
                      total_frames=40, label=49)
    labels = np.array([7, 3], dtype=np.int64)
    babel = [dict(keypoint=rng.normal(size=(2, 150, 25, 3)).astype(
        np.float16), label=labels[i], frame_dir=f'{i}_walk_1_2',
        total_frames=150) for i in range(2)]
    published = dict(
        split=dict(xsub_train=['S001C001P001R001A001'],
                   xsub_val=['S001C001P002R001A001']),
        annotations=[dict(frame_dir=name, label=0, total_frames=20,
                          img_shape=(1080, 1920), original_shape=(1080, 1920),
                          keypoint=rng.normal(size=(1, 20, 25, 3)).astype(
                              np.float32))
                     for name in ('S001C001P001R001A001',
                                  'S001C001P002R001A001')])
    return dict(raw=raw, extraction=extraction, babel=babel,
                published=published)


@pytest.mark.parametrize('kind', list(mmaction2_tool_files()))
def test_mmaction2_tool_files_load_unchanged(tmp_path, kind):
    data = mmaction2_tool_files()[kind]
    path = str(tmp_path / f'{kind}.pkl')
    mmengine.dump(data, path)  # what mmcv.dump did: pickle protocol 2
    with open(path, 'rb') as f:
        assert_identical(restricted_load(f), data)
    if kind != 'extraction':  # a whole file, not one sample
        loaded = load_annotation_file(path)
        annotations = data if isinstance(data, list) else data[
            'annotations']
        assert_identical(loaded['annotations'], annotations)


@pytest.mark.parametrize('protocol', range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_protocol_and_admitted_type(protocol):
    data = collections.OrderedDict(
        arrays=[(np.arange(6) % 2).astype(dtype).reshape(2, 3)
                for dtype in (np.float16, np.float32, np.float64, np.int8,
                              np.uint16, np.int64, np.bool_)],
        fortran=np.asfortranarray(np.ones((2, 3))), empty=np.zeros((0, 4)),
        scalars=(np.int64(-3), np.float32(0.5), np.bool_(True)),
        builtins=[1, -2.5, 3 + 4j, True, None, 'text', b'\x00\xff',
                  bytearray(b'ab'), {1, 2}, frozenset({'a'}), 10 ** 30],
        nested={'a': {'b': [(), ()]}})
    assert_identical(restricted_load(pickle.dumps(data, protocol=protocol)),
                data)


class RunsCode:
    def __init__(self, flag):
        self.flag = flag

    def __reduce__(self):
        return (os.system, (f'touch {self.flag}', ))


@pytest.mark.parametrize('payload', [
    lambda flag: RunsCode(flag),
    lambda flag: collections.defaultdict(list),
    lambda flag: np.ma.masked_array([1.0, 2.0], mask=[0, 1]),
    lambda flag: np.matrix([[1.0]]),
    lambda flag: slice(1, 2),
])
def test_anything_else_is_refused_before_it_is_called(tmp_path, payload):
    flag = tmp_path / 'ran'
    blob = pickle.dumps({'annotations': [payload(str(flag))]}, protocol=2)
    with pytest.raises(ForbiddenGlobalError):
        restricted_load(blob)
    path = tmp_path / 'evil.pkl'
    path.write_bytes(blob)
    with pytest.raises(SkeletonDataError, match='evil.pkl: refused'):
        load_annotation_file(str(path))
    assert not flag.exists()


def test_a_file_cannot_allocate_or_modify_anything():
    """``numpy.ndarray`` is admitted as the argument of ``_reconstruct``
    only: a file calling it (e.g. with a shape of 10**12) is refused; so
    is one setting attributes of an admitted function; a damaged memo
    index does not size a table (the C unpickler allocates 32 GB here)."""
    blob = (b'\x80\x02cnumpy\nndarray\nq\x00K\x05\x85q\x01\x85q\x02Rq\x03.')
    with pytest.raises(TypeError):  # the stand-in is not callable
        restricted_load(blob)
    with pytest.raises(pickle.UnpicklingError, match='reconstruction'):
        restricted_load(pickle.dumps(np.zeros(3), protocol=2).replace(
            b'K\x00\x85', b'K\x09\x85'))
    defaults = (b'\x80\x02c_codecs\nencode\nN}X\x0c\x00\x00\x00'
                b'__defaults__)s\x86b.')  # BUILD: setattr(encode, ...)
    with pytest.raises(pickle.UnpicklingError, match='may not modify'):
        restricted_load(defaults)
    for bad in (b'bytes\nK\x0a\x85R.', b'bytearray\nK\x0a\x85R.'):
        with pytest.raises((TypeError, pickle.UnpicklingError)):
            restricted_load(b'\x80\x02c__builtin__\n' + bad)
    huge_memo = b'\x80\x02K\x01r\xff\xff\xff\x7f.'  # LONG_BINPUT 2**31-1
    assert restricted_load(huge_memo) == 1


@pytest.mark.parametrize('protocol', [2, 5])
@pytest.mark.parametrize('value', [
    np.array([1, 'x', None], dtype=object),
    np.zeros(2, dtype=[('a', 'O')]),
    np.zeros(2, dtype=[('a', 'f4')]),
    np.zeros(2, dtype=[('a', 'O')])[0],
], ids=['object', 'object field', 'structured', 'scalar'])
def test_only_plain_dtypes(protocol, value):
    """numpy trusts pickled object arrays (a shape larger than the list
    reads past it) and object fields (bytes become pointers): arrays and
    scalars must hold booleans, numbers or strings."""
    with pytest.raises(pickle.UnpicklingError, match='not admitted'):
        restricted_load(pickle.dumps(value, protocol=protocol))
