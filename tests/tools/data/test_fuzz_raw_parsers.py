"""Property-based fuzzing of the four raw parsers (see tests/fuzzing.py).

Each example generates a valid raw file from the format's description
(numbers written in several notations), checks that the parser returns
exactly the generated data, then damages the file one to three times
(:func:`fuzz.mutate`). After each damage the parser must agree with the
spec reading of :mod:`reference_readers`: the same data for a file that is
still valid, :class:`MalformedInputError` naming the file for one that is
not. Any other exception, or different data, fails the test.
"""
import json

import numpy as np
import pytest
import reference_readers as spec
from fuzzing import JSON_TOKEN, TEXT_TOKEN, fuzz_settings, mutate, record
from hypothesis import given
from hypothesis import strategies as st

from s2i_mm.converters import MalformedInputError
from s2i_mm.converters.ntu import read_skeleton_file
from s2i_mm.converters.nw_ucla import read_ucla_json
from s2i_mm.converters.pku_mmd import (
    read_pku_labels,
    read_pku_skeleton,
)
from s2i_mm.converters.toyota import read_toyota_json

CI_EXAMPLES = 60

#: ways of writing a number that every reader must read
NOTATIONS = ('{:.7f}', '{:.3f}', '{:g}', '{:.6e}', '{!r}', '{:+.2f}')


@pytest.fixture(scope='module')
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp('fuzz')


def _numbers(draw, rng, count, scale=3.0):
    """``count`` numbers as text, in one drawn notation, and their float32
    values (as read back from the text)."""
    notation = draw(st.sampled_from(NOTATIONS))
    values = rng.uniform(-scale, scale, count)
    if draw(st.booleans()):
        values[rng.random(count) < 0.2] = 0.0
    text = [notation.format(float(v)) for v in values]
    return text, np.array([float(t) for t in text]).astype(np.float32)


def _joined(draw, lines):
    newline = draw(st.sampled_from(['\n', '\r\n']))
    end = draw(st.sampled_from([newline, '', newline + newline]))
    return (newline.join(lines) + end).encode()


def agree(target, read, reference, path, blob):
    """The parser and the spec reading agree on ``blob``; returns the
    parsed data (``None`` for a rejected file)."""
    path.write_bytes(blob)
    expected = reference(blob)
    try:
        got = read(str(path))
    except MalformedInputError as err:
        assert expected is spec.INVALID, (
            f'{target}: a valid file was refused: {err}')
        assert err.path == str(path) and str(err).startswith(str(path))
        record(target, 'rejected')
        return None
    assert expected is not spec.INVALID, (
        f'{target}: an invalid file was accepted')
    _same(got, expected)
    record(target, 'valid')
    return got


def _same(got, expected):
    if isinstance(expected, np.ndarray):
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
    elif isinstance(expected, tuple) and isinstance(got, dict):  # NW-UCLA
        assert (got['file_name'], got['label']) == expected[:2]
        _same(got['skeletons'], expected[2])
    else:
        assert got == expected


def damage_and_check(data, target, read, reference, path, blob, token):
    for _ in range(data.draw(st.integers(1, 3), label='damages')):
        blob, kind = mutate(data.draw, blob, token)
        record(f'{target} damage', kind)
        agree(target, read, reference, path, blob)


# --------------------------------------------------------------------------
# NTU RGB+D .skeleton
# --------------------------------------------------------------------------
def ntu_file(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    counts = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3)
                  .filter(any), label='bodies per frame')
    sep = draw(st.sampled_from([' ', '  ', '\t']))
    data = np.zeros((max(counts), len(counts), 25, 3), np.float32)
    lines = [str(len(counts))]
    for t, count in enumerate(counts):
        lines.append(str(count))
        for k in range(count):
            info, _ = _numbers(draw, rng, 9)
            lines += [sep.join([str(72057594037931101 + k)] + info), '25']
            xyz, values = _numbers(draw, rng, 75)
            other, _ = _numbers(draw, rng, 25 * 9, scale=1000)
            for j in range(25):
                lines.append(sep.join(xyz[3 * j:3 * j + 3]
                                      + other[9 * j:9 * j + 9]))
            data[k, t] = values.reshape(25, 3)
    return _joined(draw, lines), data


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_ntu_skeleton(folder, data):
    blob, expected = ntu_file(data.draw)
    path = folder / 'S001C001P001R001A001.skeleton'
    got = agree('ntu', read_skeleton_file, spec.ntu_skeleton, path, blob)
    np.testing.assert_array_equal(got, expected)
    damage_and_check(data, 'ntu', read_skeleton_file, spec.ntu_skeleton,
                     path, blob, TEXT_TOKEN)


# --------------------------------------------------------------------------
# PKU-MMD skeleton and label files
# --------------------------------------------------------------------------
def pku_skeleton_file(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    num_frames = draw(st.integers(1, 4))
    lines, frames = [], []
    second = draw(st.booleans())
    for _ in range(num_frames):
        text, values = _numbers(draw, rng, 150)
        if not second:
            text[75:] = ['0'] * 75
            values[75:] = 0
        lines.append(' '.join(text))
        frames.append(values.reshape(2, 25, 3))
    return _joined(draw, lines), np.stack(frames, axis=1)


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_pku_skeleton(folder, data):
    blob, expected = pku_skeleton_file(data.draw)
    path = folder / '0002-L.txt'
    got = agree('pku skeleton', read_pku_skeleton, spec.pku_skeleton, path,
                blob)
    np.testing.assert_array_equal(got, expected)
    damage_and_check(data, 'pku skeleton', read_pku_skeleton,
                     spec.pku_skeleton, path, blob, TEXT_TOKEN)


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_pku_labels(folder, data):
    instances = data.draw(st.lists(st.tuples(
        st.integers(1, 51), st.integers(0, 5000), st.integers(1, 300),
        st.sampled_from(['1', '0.5', '0.25'])), min_size=1, max_size=4))
    space = data.draw(st.sampled_from(['', ' ']))
    lines = [f'{a},{space}{s},{space}{s + n},{space}{c}'
             for a, s, n, c in instances]
    blob = _joined(data.draw, lines)
    expected = [(i + 1, a, s, s + n) for i, (a, s, n, _) in
                enumerate(instances)]
    path = folder / 'labels.txt'
    assert agree('pku labels', read_pku_labels, spec.pku_labels, path,
                 blob) == expected
    damage_and_check(data, 'pku labels', read_pku_labels, spec.pku_labels,
                     path, blob, TEXT_TOKEN)


# --------------------------------------------------------------------------
# NW-UCLA and Toyota Smarthome JSON
# --------------------------------------------------------------------------
def _json_numbers(draw, rng, count):
    """JSON numbers (floats or integers) and their float32 values."""
    if draw(st.booleans()):
        values = [float(v) for v in rng.uniform(-3, 3, count)]
    else:
        values = [int(v) for v in rng.integers(-3, 4, count)]
    return values, np.array(values, np.float64).astype(np.float32)


def _dumps(draw, content):
    indent = draw(st.sampled_from([None, 1]))
    return json.dumps(content, indent=indent).encode()


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_nw_ucla_json(folder, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    num_frames = data.draw(st.integers(1, 3))
    values, expected = _json_numbers(data.draw, rng, num_frames * 60)
    if not expected.any():
        values[0], expected[0] = 1.5, 1.5
    skeletons = np.reshape(np.array(values, dtype=object),
                           (num_frames, 20, 3)).tolist()
    name = 'a03_s02_e01_v02'
    blob = _dumps(data.draw, {'file_name': name, 'skeletons': skeletons,
                              'label': 3})
    path = folder / f'{name}.json'
    got = agree('nw-ucla', read_ucla_json, spec.nw_ucla, path, blob)
    np.testing.assert_array_equal(got['skeletons'],
                                  expected.reshape(num_frames, 20, 3))
    damage_and_check(data, 'nw-ucla', read_ucla_json, spec.nw_ucla, path,
                     blob, JSON_TOKEN)


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_toyota_json(folder, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    counts = data.draw(st.lists(st.integers(0, 2), min_size=1, max_size=3)
                       .filter(any), label='detections per frame')
    frames, expected = [], np.zeros((len(counts), 13, 3), np.float32)
    for t, count in enumerate(counts):
        scored = data.draw(st.booleans())
        detections, poses, scores = [], [], []
        for _ in range(count):
            values, pose = _json_numbers(data.draw, rng, 39)
            detection = {'pose2d': [0.0] * 26, 'pose3d': values}
            if scored:
                scores.append(data.draw(st.sampled_from([0.2, 0.9, 1])))
                detection['cumscore'] = scores[-1]
            detections.append(detection)
            poses.append(pose.reshape(3, 13).T)
        if count:
            expected[t] = poses[int(np.argmax(scores)) if scored else 0]
        frames.append(detections)
    if not expected.any():
        return  # nobody: the valid-file property does not apply
    blob = _dumps(data.draw, {'njts': 13, 'K': [[1.0, 0, 0]],
                              'frames': frames})
    path = folder / 'Walk_p03_r01_v15_c07_pose3d.json'
    got = agree('toyota', read_toyota_json, spec.toyota, path, blob)
    np.testing.assert_array_equal(got, expected)
    damage_and_check(data, 'toyota', read_toyota_json, spec.toyota, path,
                     blob, JSON_TOKEN)
