"""Spec readings of the four raw formats, for differential fuzzing.

Each function reads a file's bytes the way the format's description (and
``docs/converters.md``) says it must be read, plainly and without any
s2i_mm code, and returns the data, or :data:`INVALID` when the bytes are
not a file of that format. The fuzz tests hold the converters' readers to
exactly this: the same data for a valid file, the documented error for an
invalid one.

Lexical rules shared with the converters (they are part of the spec):
text is UTF-8; lines end with ``\\n``, ``\\r\\n`` or ``\\r`` (universal
newlines); values are separated by whitespace (``str.split()``); a count is
ASCII digits (a number Python converts); a coordinate is what Python's
``float()`` reads and must be finite in float32; JSON is what Python's
``json`` module reads.
"""
import json
import math

import numpy as np

INVALID = object()


class _Invalid(Exception):
    pass


def _require(condition):
    if not condition:
        raise _Invalid


def _text_lines(blob):
    try:
        text = blob.decode('utf-8')
    except UnicodeDecodeError:
        raise _Invalid from None
    lines = text.replace('\r\n', '\n').replace('\r', '\n').split('\n')
    if lines[-1] == '':  # the newline that ends the last line
        lines.pop()
    return lines


def _count(line):
    text = line.strip()
    _require(text.isascii() and text.isdigit())
    try:
        return int(text)
    except ValueError:  # more digits than Python converts (4300)
        raise _Invalid from None


def _float32(tokens):
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        raise _Invalid from None
    with np.errstate(over='ignore', invalid='ignore'):
        array = np.array(values, np.float64).astype(np.float32)
    _require(np.isfinite(array).all())
    return array


def _spec(read):
    def reader(blob):
        try:
            return read(blob)
        except _Invalid:
            return INVALID
    reader.__doc__ = read.__doc__
    return reader


@_spec
def ntu_skeleton(blob):
    """NTU ``.skeleton``: ``[B, T, 25, 3]``, body slot k = k-th listed."""
    lines = iter(_text_lines(blob))

    def take():
        line = next(lines, None)
        _require(line is not None)
        return line

    num_frames = _count(take())
    _require(num_frames > 0)
    frames = []
    for _ in range(num_frames):
        bodies = []
        for _ in range(_count(take())):
            _require(len(take().split()) == 10)
            _require(_count(take()) == 25)
            joints = [take().split() for _ in range(25)]
            _require(all(len(j) == 12 for j in joints))
            bodies.append(_float32([v for j in joints
                                    for v in j[:3]]).reshape(25, 3))
        frames.append(bodies)
    rest = list(lines)
    _require(all(not line.strip() for line in rest))
    num_bodies = max(len(b) for b in frames)
    _require(num_bodies > 0)
    data = np.zeros((num_bodies, num_frames, 25, 3), np.float32)
    for t, bodies in enumerate(frames):
        for k, xyz in enumerate(bodies):
            data[k, t] = xyz
    return data


def _content(blob):
    lines = _text_lines(blob)
    while lines and not lines[-1].strip():
        lines.pop()
    _require(all(line.strip() for line in lines))
    return lines


@_spec
def pku_skeleton(blob):
    """PKU-MMD skeleton file: ``[2, T, 25, 3]``."""
    lines = _content(blob)
    _require(lines)
    rows = [line.split() for line in lines]
    _require(all(len(r) == 150 for r in rows))
    frames = _float32([v for r in rows for v in r])
    return frames.reshape(len(rows), 2, 25, 3).transpose(1, 0, 2, 3)


@_spec
def pku_labels(blob):
    """PKU-MMD label file: ``[(line, action, start, end), ...]``."""
    instances = []
    for number, line in enumerate(_content(blob), 1):
        fields = [f.strip() for f in line.split(',')]
        _require(len(fields) == 4)
        _require(all(f.isascii() and f.isdigit() for f in fields[:3]))
        try:
            action, start, end = map(int, fields[:3])
            float(fields[3])
        except ValueError:
            raise _Invalid from None
        _require(action >= 1 and start < end)
        instances.append((number, action, start, end))
    _require(instances)
    return instances


def _json(blob):
    try:
        text = blob.decode('utf-8')
        return json.loads(text.replace('\r\n', '\n').replace('\r', '\n'))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _Invalid from None


def _numbers(values, dtype=np.float32):
    for value in values:
        _require(isinstance(value, (int, float))
                 and not isinstance(value, bool))
    floats = []
    for value in values:
        try:
            floats.append(float(value))
        except OverflowError:
            raise _Invalid from None
        _require(math.isfinite(floats[-1]))
    with np.errstate(over='ignore'):
        array = np.array(floats, np.float64).astype(dtype)
    _require(np.isfinite(array).all())
    return array


@_spec
def nw_ucla(blob):
    """NW-UCLA JSON: ``(file_name, label, skeletons [T, 20, 3])``."""
    content = _json(blob)
    _require(isinstance(content, dict))
    _require({'file_name', 'skeletons', 'label'} <= set(content))
    label = content['label']
    _require(isinstance(label, int) and not isinstance(label, bool))
    frames = content['skeletons']
    _require(isinstance(frames, list) and frames)
    for joints in frames:
        _require(isinstance(joints, list) and len(joints) == 20)
        _require(all(isinstance(j, list) and len(j) == 3 for j in joints))
    skeletons = _numbers([v for joints in frames for j in joints
                          for v in j]).reshape(len(frames), 20, 3)
    _require(skeletons.any())
    return content['file_name'], label, skeletons


@_spec
def toyota(blob):
    """Toyota Smarthome LCR-Net++ JSON: ``[T, 13, 3]``."""
    content = _json(blob)
    _require(isinstance(content, dict) and content.get('njts') == 13)
    frames = content.get('frames')
    _require(isinstance(frames, list) and frames)
    poses = np.zeros((len(frames), 13, 3), np.float32)
    for t, detections in enumerate(frames):
        _require(isinstance(detections, list))
        xyz = []
        for detection in detections:
            _require(isinstance(detection, dict) and 'pose3d' in detection)
            pose = detection['pose3d']
            _require(isinstance(pose, list) and len(pose) == 39)
            xyz.append(_numbers(pose).reshape(3, 13).T)
        if not detections:
            continue
        scores = [d.get('cumscore') for d in detections]
        if all(s is None for s in scores):
            best = 0
        else:
            _require(all(s is not None for s in scores))
            values = _numbers(scores, np.float64)
            best = max(range(len(values)), key=lambda i: (values[i], -i))
        poses[t] = xyz[best]
    _require(poses.any())
    return poses
