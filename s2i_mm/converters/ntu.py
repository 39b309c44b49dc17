"""NTU RGB+D 60 / 120: raw ``.skeleton`` files -> annotation pkl.

Parses the Kinect v2 text dumps (x, y, z kept), fills body slots in the
order bodies are listed, keeps the two with the most motion energy
(:mod:`.bodies`), and assigns the benchmark's protocols from the file
names, after excluding the published lists of samples with missing
skeletons (``s2i_mm/data/ntu/``). File format and protocols: see
docs/converters.md, "NTU RGB+D 60 / 120".
"""
import functools
import glob
import os.path as osp
import re
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Set

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError

from .bodies import select_bodies
from .errors import MalformedInputError, is_number, read_text, to_float32
from .pipeline import convert_files

__all__ = [
    'NTUName', 'parse_ntu_name', 'read_skeleton_file', 'parse_ntu_file',
    'ntu_splits', 'infer_benchmark', 'load_missing_list',
    'find_skeleton_files', 'convert_ntu', 'BENCHMARKS'
]

NUM_JOINTS = 25
VALUES_PER_JOINT = 12
VALUES_PER_BODY_INFO = 10

XSUB60_TRAIN_PERFORMERS = frozenset((
    1, 2, 4, 5, 8, 9, 13, 14, 15, 16, 17, 18, 19, 25, 27, 28, 31, 34, 35,
    38))
XSUB120_TRAIN_PERFORMERS = XSUB60_TRAIN_PERFORMERS | frozenset((
    45, 46, 47, 49, 50, 52, 53, 54, 55, 56, 57, 58, 59, 70, 74, 78, 80, 81,
    82, 83, 84, 85, 86, 89, 91, 92, 93, 94, 95, 97, 98, 100, 103))
XVIEW_TRAIN_CAMERAS = frozenset((2, 3))

#: benchmark -> (last setup, last action, shipped missing-skeleton list)
BENCHMARKS = {
    'ntu60': (17, 60, 'NTU_RGBD_samples_with_missing_skeletons.txt'),
    'ntu120': (32, 120, 'NTU_RGBD120_samples_with_missing_skeletons.txt'),
}
DATA_DIR = osp.join(
    osp.dirname(osp.dirname(osp.abspath(__file__))), 'data',
    'ntu')

_NAME = re.compile(r'^S(\d{3})C(\d{3})P(\d{3})R(\d{3})A(\d{3})$')


class NTUName(NamedTuple):
    """The fields encoded in an NTU sample name (all 1-based)."""
    setup: int
    camera: int
    performer: int
    replication: int
    action: int


def parse_ntu_name(name: str) -> Optional[NTUName]:
    """``'S001C002P003R001A060'`` -> :class:`NTUName`, or ``None``."""
    match = _NAME.match(name)
    return NTUName(*map(int, match.groups())) if match else None


class _Lines:
    """Cursor over the lines of a text file, for error messages with the
    1-based line number."""

    def __init__(self, path: str, text: str):
        self.path = path
        self.lines = text.split('\n')
        self.pos = 0

    def error(self, problem: str, line: Optional[int] = None):
        return MalformedInputError(self.path, problem,
                                   self.pos if line is None else line)

    def next(self, what: str) -> str:
        if self.pos >= len(self.lines) or (
                self.pos == len(self.lines) - 1 and not self.lines[-1]):
            raise MalformedInputError(
                self.path, f'truncated: file ends where {what} was expected',
                self.pos + 1)
        self.pos += 1
        return self.lines[self.pos - 1]

    def integer(self, what: str) -> int:
        text = self.next(what).strip()
        # ASCII digits of a count no file can reach (int() refuses more
        # than 4300 digits with a ValueError of its own)
        if not (text.isascii() and text.isdigit() and len(text) <= 18):
            raise self.error(f'expected {what} (a non-negative integer), '
                             f'got {text[:40]!r}')
        return int(text)

    def first_content_after(self) -> Optional[int]:
        """1-based number of the first non-blank line not read yet."""
        for i in range(self.pos, len(self.lines)):
            if self.lines[i].strip():
                return i + 1
        return None


def _joint_block(cursor: _Lines) -> np.ndarray:
    """Read 25 joint lines; return their x, y, z as float32 ``[25, 3]``.

    Every line must hold 12 values (checked per line: values moved from
    one line to the next are caught). Only x, y, z are converted to
    numbers (the conversion dominates the parsing time); the other 9
    values of a line are only counted.
    """
    first = cursor.pos
    rows = [cursor.next(f'joint line {j + 1} of {NUM_JOINTS}').split()
            for j in range(NUM_JOINTS)]
    for j, fields in enumerate(rows):
        if len(fields) != VALUES_PER_JOINT:
            raise cursor.error(
                f'joint line has {len(fields)} values, expected '
                f'{VALUES_PER_JOINT}', first + j + 1)
    try:
        xyz = np.array([fields[:3] for fields in rows], dtype=np.float64)
    except ValueError:
        bad = next((j for j, fields in enumerate(rows)
                    if not all(map(is_number, fields[:3]))), 0)
        raise cursor.error(
            'joint coordinates hold a non-number: '
            f'{" ".join(rows[bad])[:60]!r}', first + bad + 1) from None
    xyz = to_float32(xyz)
    finite = np.isfinite(xyz).all(axis=1)
    if not finite.all():
        raise cursor.error(
            'joint coordinates are NaN, infinite or beyond float32',
            first + int(np.argmin(finite)) + 1)
    return xyz


def read_skeleton_file(path: str) -> np.ndarray:
    """Parse one NTU ``.skeleton`` file.

    Args:
        path (str): The file.

    Returns:
        np.ndarray: float32 ``[B, T, 25, 3]``; body slot ``k`` holds the
        k-th body listed in each frame (zeros where a frame lists fewer).

    Raises:
        MalformedInputError: Truncated file, zero frames, a wrong joint
            count, a line with the wrong number of values, a non-number,
            NaN/inf coordinates, trailing garbage, or no body at all.
    """
    cursor = _Lines(path, read_text(path))
    num_frames = cursor.integer('the frame count')
    if num_frames <= 0:
        raise cursor.error(f'the file declares {num_frames} frames (zero '
                           'frames: nothing to convert)')
    frames: List[List[np.ndarray]] = []
    for t in range(num_frames):
        num_bodies = cursor.integer(f'the body count of frame {t + 1}')
        bodies = []
        for _ in range(num_bodies):
            info = cursor.next('a body info line').split()
            if len(info) != VALUES_PER_BODY_INFO:
                raise cursor.error(
                    f'body info line has {len(info)} values, expected '
                    f'{VALUES_PER_BODY_INFO}')
            num_joints = cursor.integer('the joint count')
            if num_joints != NUM_JOINTS:
                raise cursor.error(f'wrong joint count {num_joints}, NTU '
                                   f'skeletons have {NUM_JOINTS}')
            bodies.append(_joint_block(cursor))
        frames.append(bodies)
    extra = cursor.first_content_after()
    if extra is not None:
        raise cursor.error(
            f'unexpected content after the last of the {num_frames} '
            'declared frames', extra)
    max_bodies = max(len(b) for b in frames)
    if max_bodies == 0:
        raise MalformedInputError(path, 'no body in any frame')
    data = np.zeros((max_bodies, num_frames, NUM_JOINTS, 3), np.float32)
    for t, bodies in enumerate(frames):
        for k, xyz in enumerate(bodies):
            data[k, t] = xyz
    return data


def parse_ntu_file(path: str, benchmark: str = 'ntu120',
                   max_bodies: int = 2) -> List[Dict[str, Any]]:
    """One ``.skeleton`` file -> one annotation (mmaction2 schema).

    Args:
        path (str): The file, named ``SsssCcccPpppRrrrAaaa.skeleton``.
        benchmark (str): ``'ntu60'`` or ``'ntu120'``; names outside it are
            rejected. Defaults to ``'ntu120'``.
        max_bodies (int): Bodies kept. Defaults to 2.

    Returns:
        list[dict]: ``[{'frame_dir', 'label', 'total_frames',
        'keypoint'}]``.

    Raises:
        MalformedInputError: Bad name or bad content.
    """
    name = osp.basename(path)[:-len('.skeleton')]
    fields = parse_ntu_name(name)
    if fields is None:
        raise MalformedInputError(
            path, 'file name does not follow SsssCcccPpppRrrrAaaa.skeleton')
    last_setup, last_action, _ = BENCHMARKS[benchmark]
    if not (1 <= fields.setup <= last_setup
            and 1 <= fields.action <= last_action):
        raise MalformedInputError(
            path, f'setup {fields.setup} / action {fields.action} is not '
            f'part of {benchmark}')
    keypoint = select_bodies(read_skeleton_file(path), max_bodies)
    return [{
        'frame_dir': name,
        'label': fields.action - 1,
        'total_frames': keypoint.shape[1],
        'keypoint': keypoint,
    }]


def _two_way(names: Iterable[str], protocol: str,
             is_train) -> Dict[str, List[str]]:
    names = list(names)
    train = [n for n in names if is_train(parse_ntu_name(n))]
    train_set = set(train)
    return {f'{protocol}_train': train,
            f'{protocol}_val': [n for n in names if n not in train_set]}


def ntu_splits(names: Iterable[str], benchmark: str) -> Dict[str, List[str]]:
    """The standard protocols of a benchmark.

    Args:
        names (Iterable[str]): Sample names ``SsssCcccPpppRrrrAaaa``.
        benchmark (str): ``'ntu60'`` (``xsub``, ``xview``) or ``'ntu120'``
            (``xsub``, ``xset``).

    Returns:
        dict: ``{protocol}_train`` / ``{protocol}_val`` -> names.
    """
    names = list(names)
    if benchmark == 'ntu60':
        splits = _two_way(names, 'xsub',
                          lambda f: f.performer in XSUB60_TRAIN_PERFORMERS)
        splits.update(_two_way(names, 'xview',
                               lambda f: f.camera in XVIEW_TRAIN_CAMERAS))
    elif benchmark == 'ntu120':
        splits = _two_way(names, 'xsub',
                          lambda f: f.performer in XSUB120_TRAIN_PERFORMERS)
        splits.update(_two_way(names, 'xset', lambda f: f.setup % 2 == 0))
    else:
        raise ValueError(f'unknown benchmark {benchmark!r}, expected one of '
                         f'{sorted(BENCHMARKS)}')
    return splits


def infer_benchmark(names: Iterable[str]) -> str:
    """``'ntu120'`` if any name has a setup > 17 or an action > 60."""
    last_setup, last_action, _ = BENCHMARKS['ntu60']
    for name in names:
        fields = parse_ntu_name(name)
        if fields and (fields.setup > last_setup
                       or fields.action > last_action):
            return 'ntu120'
    return 'ntu60'


def load_missing_list(path: str) -> Set[str]:
    """Sample names of a missing-skeleton list (one per line, ``#``
    comments and blank lines ignored, a ``.skeleton`` suffix tolerated)."""
    names = set()
    for line in read_text(path).splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            names.add(line[:-len('.skeleton')]
                      if line.endswith('.skeleton') else line)
    return names


def find_skeleton_files(input_dir: str) -> List[str]:
    """All ``*.skeleton`` files under ``input_dir`` (recursively), sorted
    by sample name."""
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    files = glob.glob(osp.join(input_dir, '**', '*.skeleton'),
                      recursive=True)
    return sorted(files, key=lambda p: (osp.basename(p), p))


def _refuse_duplicates(files: List[str]) -> None:
    """One sample name found twice (e.g. in two extracted archives) is an
    error before parsing, with or without ``skip_bad``: which file is the
    right one is for the user to say."""
    where: Dict[str, List[str]] = {}
    for path in files:
        where.setdefault(osp.basename(path), []).append(path)
    twice = {s: p for s, p in where.items() if len(p) > 1}
    if twice:
        name, paths = next(iter(twice.items()))
        raise SkeletonDataError(
            f'{len(twice)} sample name(s) found in more than one file, e.g. '
            f'{name} in {" and ".join(paths)}: keep one copy of each')


def convert_ntu(input_dir: str,
                out_file: str,
                benchmark: Optional[str] = None,
                missing_list: Optional[str] = None,
                max_bodies: int = 2,
                num_workers: int = 1,
                skip_bad: bool = False,
                store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert a directory of NTU ``.skeleton`` files.

    Args:
        input_dir (str): Searched recursively (extract both NTU-120 archives
            below one directory).
        out_file (str): Destination annotation ``.pkl``.
        benchmark (str, optional): ``'ntu60'`` or ``'ntu120'``; inferred
            from the names when omitted (``ntu120`` if any setup > 17 or
            action > 60).
        missing_list (str, optional): File of sample names to exclude;
            defaults to the shipped list of the benchmark. Pass ``''`` to
            exclude nothing.
        max_bodies (int): Bodies kept per sample. Defaults to 2.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if max_bodies < 1:
        raise ValueError(f'max_bodies must be at least 1, got {max_bodies}')
    files = find_skeleton_files(input_dir)
    if not files:
        raise FileNotFoundError(f'{input_dir}: no *.skeleton files found')
    stems = [osp.basename(p)[:-len('.skeleton')] for p in files]
    benchmark = benchmark or infer_benchmark(stems)
    if benchmark not in BENCHMARKS:
        raise ValueError(f'unknown benchmark {benchmark!r}, expected one of '
                         f'{sorted(BENCHMARKS)}')
    if missing_list is None:
        missing_list = osp.join(DATA_DIR, BENCHMARKS[benchmark][2])
    missing = load_missing_list(missing_list) if missing_list else set()
    kept = [p for p, s in zip(files, stems) if s not in missing]
    _refuse_duplicates(kept)
    parser = functools.partial(parse_ntu_file, benchmark=benchmark,
                               max_bodies=max_bodies)
    return convert_files(
        parser, kept,
        lambda anns: ntu_splits([a['frame_dir'] for a in anns], benchmark),
        out_file, 'ntu25', num_workers=num_workers, skip_bad=skip_bad,
        store_dir=store_dir, excluded=len(files) - len(kept),
        description=f'{benchmark} .skeleton files')
