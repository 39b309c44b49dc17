"""Property-based fuzzing of the annotation loader (see tests/fuzzing.py).

Each example pickles a valid annotation file of the mmaction2 schema (any
pickle protocol, float32 or float16 keypoints, numpy or Python labels,
optional ``img_shape`` / ``keypoint_score``, a bare list or the dict with
splits), checks that :func:`load_annotation_file` and :func:`check_sample`
give it back exactly, then damages the bytes one to three times, or puts a
non-finite value into a keypoint. After each damage:

* the loader returns data, or raises :class:`SkeletonDataError` naming the
  file; and data it returns is what the standard unpickler, restricted to
  the documented names, reads from the same bytes (so nothing was changed
  or dropped on the way);
* every returned sample passes :func:`check_sample` with exactly its
  float32 keypoints, or is refused with a ``SkeletonDataError`` naming the
  file and the sample.

Any other exception fails the test.
"""
import io
import pickle
import warnings

import numpy as np
import pytest
from fuzzing import TEXT_TOKEN, fuzz_settings, mutate, record
from hypothesis import given
from hypothesis import strategies as st
from skeleton_data import assert_identical

from s2i_mm.fileio.annotation import (
    SkeletonDataError,
    check_sample,
    load_annotation_file,
)

CI_EXAMPLES = 60

#: what annotation files may name (from numpy's and pickle's own docs)
DOCUMENTED_NAMES = {
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.numeric', '_frombuffer'),
    ('numpy._core.numeric', '_frombuffer'), ('numpy', 'ndarray'),
    ('numpy', 'dtype'), ('_codecs', 'encode'),
    ('collections', 'OrderedDict'),
} | {(m, n) for m in ('builtins', '__builtin__')
     for n in ('set', 'frozenset', 'bytearray', 'complex', 'bytes')}
INVALID = object()


class _StandardRestricted(pickle._Unpickler):
    """The standard unpickler (names resolved by import, as pickle does),
    refusing what is not documented. The pure-Python one: the C one sizes
    its memo by the index a damaged file names (gigabytes)."""

    def find_class(self, module, name):
        if (module, name) not in DOCUMENTED_NAMES:
            raise pickle.UnpicklingError(f'{module}.{name}')
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', DeprecationWarning)
            return super().find_class(module, name)


def reference_load(blob):
    try:
        data = _StandardRestricted(io.BytesIO(blob)).load()
    except Exception:
        return INVALID
    if isinstance(data, list):
        data = {'split': {}, 'annotations': data}
    return data


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp('fuzz_annotation')


def annotation_file(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    annotations = []
    for i in range(draw(st.integers(1, 3), label='samples')):
        shape = (draw(st.integers(1, 2)), draw(st.integers(1, 4)), 25, 3)
        dtype = draw(st.sampled_from([np.float32, np.float16]))
        label = draw(st.integers(0, 59))
        ann = dict(frame_dir=f'S001C001P001R001A{i + 1:03d}',
                   label=draw(st.sampled_from([int, np.int64]))(label),
                   total_frames=shape[1],
                   keypoint=rng.normal(size=shape).astype(dtype))
        if draw(st.booleans()):
            ann.update(img_shape=(1080, 1920), original_shape=(1080, 1920),
                       keypoint_score=np.ones(shape[:3], np.float32))
        annotations.append(ann)
    names = [a['frame_dir'] for a in annotations]
    if draw(st.booleans()):
        data = annotations  # a bare list, as mmaction2's gen scripts write
    else:
        data = dict(split=dict(xsub_train=names[:1], xsub_val=names[1:]),
                    annotations=annotations, skeleton_format='ntu25')
    protocol = draw(st.integers(0, pickle.HIGHEST_PROTOCOL))
    return pickle.dumps(data, protocol=protocol), data


def check_loader(path, blob):
    path.write_bytes(blob)
    try:
        loaded = load_annotation_file(str(path))
    except SkeletonDataError as err:
        assert str(err).startswith(f'{path}: ')
        record('annotation file', 'rejected')
        return None
    reference = reference_load(blob)
    assert reference is not INVALID, 'a file the standard reader refuses'
    assert_identical(loaded, reference)
    record('annotation file', 'loaded')
    for i, ann in enumerate(loaded['annotations']):
        try:
            keypoint = check_sample(ann, i, str(path), 25, [3])
        except SkeletonDataError as err:
            assert str(err).startswith(f'{path}: sample {i}')
            record('annotation sample', 'rejected')
            continue
        np.testing.assert_array_equal(
            keypoint, np.asarray(ann['keypoint'], np.float32))
        record('annotation sample', 'valid')
    return loaded


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_annotation_loader(folder, data):
    blob, original = annotation_file(data.draw)
    path = folder / 'ann.pkl'
    loaded = check_loader(path, blob)
    expected = (original if isinstance(original, dict) else
                {'split': {}, 'annotations': original})
    assert_identical(loaded, expected)
    for i, ann in enumerate(loaded['annotations']):  # all of them valid
        check_sample(ann, i, str(path), 25, [3])
    if data.draw(st.booleans(), label='non-finite keypoint'):
        position = data.draw(st.integers(0, len(loaded['annotations']) - 1))
        keypoint = expected['annotations'][position]['keypoint']
        index = tuple(data.draw(st.integers(0, n - 1))
                      for n in keypoint.shape)
        keypoint[index] = data.draw(st.sampled_from([np.nan, np.inf,
                                                     -np.inf]))
        blob = pickle.dumps(original, protocol=pickle.HIGHEST_PROTOCOL)
        loaded = check_loader(path, blob)
        with pytest.raises(SkeletonDataError, match='NaN/inf') as info:
            check_sample(loaded['annotations'][position], position,
                         str(path), 25, [3])
        assert str(info.value).startswith(f'{path}: sample {position} ')
    for _ in range(data.draw(st.integers(1, 3), label='damages')):
        blob, _ = mutate(data.draw, blob, TEXT_TOKEN)
        check_loader(path, blob)
