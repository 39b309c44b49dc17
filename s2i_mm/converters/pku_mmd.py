"""PKU-MMD phase I / II: long skeleton videos + label files -> clips.

Cuts each video's skeleton file (150 numbers per frame: 2 bodies x 25
``ntu25`` joints x 3) into one clip per line of its label file, keeps at
most two bodies (:mod:`.bodies`) and assigns the splits of the published
split files. Raw formats and rules: see docs/converters.md, "PKU-MMD
phase I / II".
"""
import functools
import glob
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError

from .bodies import select_bodies
from .errors import (
    MalformedInputError,
    is_number,
    read_lines,
    read_text,
    to_float32,
)
from .pipeline import convert_files

__all__ = [
    'read_pku_skeleton', 'read_pku_labels', 'parse_pku_video',
    'read_split_file', 'protocol_name', 'pku_splits', 'convert_pku_mmd'
]

NUM_JOINTS = 25
BODIES_PER_LINE = 2
VALUES_PER_LINE = BODIES_PER_LINE * NUM_JOINTS * 3

_TRAIN_HEADER = re.compile(r'^\s*training\s+videos\s*:\s*$', re.I)
_VAL_HEADER = re.compile(r'^\s*validata?ion\s+videos\s*:\s*$', re.I)


def read_pku_skeleton(path: str) -> np.ndarray:
    """Parse a PKU-MMD skeleton file.

    Args:
        path (str): ``<video>.txt``.

    Returns:
        np.ndarray: float32 ``[2, T, 25, 3]``.

    Raises:
        MalformedInputError: No frames, a line without 150 numbers, or
            NaN/inf values (the message names the line).
    """
    lines = read_lines(path)
    if not lines:
        raise MalformedInputError(path, 'zero frames: the file is empty')
    rows = [line.split() for line in lines]
    for i, fields in enumerate(rows):  # per line: a value moved is caught
        if len(fields) != VALUES_PER_LINE:
            raise MalformedInputError(
                path, f'frame line has {len(fields)} values, expected '
                f'{VALUES_PER_LINE} (2 bodies x 25 joints x 3)', i + 1)
    try:
        values = np.array(rows, dtype=np.float64)
    except ValueError:
        bad = next((i for i, fields in enumerate(rows)
                    if not all(map(is_number, fields))), 0)
        raise MalformedInputError(path, 'frame line holds a non-number',
                                  bad + 1) from None
    frames = to_float32(values).reshape(len(lines), BODIES_PER_LINE,
                                        NUM_JOINTS, 3)
    finite = np.isfinite(frames).reshape(len(lines), -1).all(axis=1)
    if not finite.all():
        raise MalformedInputError(
            path, 'NaN, infinite or beyond float32 coordinates',
            int(np.argmin(finite)) + 1)
    return np.ascontiguousarray(frames.transpose(1, 0, 2, 3))


def read_pku_labels(path: str) -> List[Tuple[int, int, int, int]]:
    """Parse a PKU-MMD label file.

    Args:
        path (str): ``<video>.txt`` in the label directory.

    Returns:
        list[tuple]: ``(line, action_id, start, end)`` per instance.

    Raises:
        MalformedInputError: A line that is not four comma-separated
            numbers, an ``action_id`` below 1 or an empty interval.
    """
    instances = []
    for i, line in enumerate(read_lines(path)):
        fields = [f.strip() for f in line.split(',')]
        try:
            if len(fields) != 4 or not all(
                    f.isascii() and f.isdigit() for f in fields[:3]):
                raise ValueError
            action, start, end = (int(f) for f in fields[:3])
            float(fields[3])
        except ValueError:
            raise MalformedInputError(
                path, 'expected "action_id,start_frame,end_frame,confidence"'
                f', got {line.strip()[:60]!r}', i + 1) from None
        if action < 1:
            raise MalformedInputError(
                path, f'action_id {action} is not 1-based', i + 1)
        if not start < end:
            raise MalformedInputError(
                path, f'empty interval [{start}, {end})', i + 1)
        instances.append((i + 1, action, start, end))
    if not instances:
        raise MalformedInputError(path, 'no action instance')
    return instances


def parse_pku_video(paths: Tuple[str, str],
                    max_bodies: int = 2) -> List[Dict[str, Any]]:
    """One video -> one annotation per labelled action instance.

    Args:
        paths (tuple[str, str]): Skeleton file and label file.
        max_bodies (int): Bodies kept per clip. Defaults to 2.

    Returns:
        list[dict]: Annotations in the mmaction2 schema.

    Raises:
        MalformedInputError: Bad skeleton or label file, or an instance
            that starts after the last frame or has no body.
    """
    skeleton_path, label_path = paths
    if not osp.isfile(label_path):
        raise MalformedInputError(skeleton_path,
                                  f'no label file {label_path}')
    video = osp.splitext(osp.basename(skeleton_path))[0]
    frames = read_pku_skeleton(skeleton_path)
    num_frames = frames.shape[1]
    annotations = []
    for line, action, start, end in read_pku_labels(label_path):
        if start >= num_frames:
            raise MalformedInputError(
                label_path, f'instance starts at frame {start} but the '
                f'skeleton file has {num_frames} frames', line)
        keypoint = select_bodies(frames[:, start:min(end, num_frames)],
                                 max_bodies)
        if keypoint.shape[0] == 0:
            raise MalformedInputError(
                label_path, f'no body in frames [{start}, {end}) of '
                f'{skeleton_path}', line)
        annotations.append({
            'frame_dir': f'{video}_{line:03d}',
            'label': action - 1,
            'total_frames': keypoint.shape[1],
            'keypoint': np.ascontiguousarray(keypoint),
        })
    return annotations


def read_split_file(path: str) -> Tuple[List[str], List[str]]:
    """Parse a published PKU-MMD split file.

    Args:
        path (str): E.g. ``cross-subject.txt``.

    Returns:
        tuple[list[str], list[str]]: Training and validation video ids.

    Raises:
        MalformedInputError: Missing headers, text outside a section or a
            video listed on both sides.
    """
    sections: Dict[str, List[str]] = {}
    current = None
    for i, line in enumerate(read_text(path).split('\n')):
        if _TRAIN_HEADER.match(line):
            current = sections.setdefault('train', [])
        elif _VAL_HEADER.match(line):
            current = sections.setdefault('val', [])
        elif line.strip():
            if current is None:
                raise MalformedInputError(
                    path, 'video ids before the "Training videos:" header',
                    i + 1)
            current.extend(v.strip() for v in line.split(',') if v.strip())
    for side, header in (('train', 'Training videos:'),
                         ('val', 'Validataion videos:')):
        if side not in sections:
            raise MalformedInputError(path, f'no "{header}" section')
    both = set(sections['train']) & set(sections['val'])
    if both:
        raise MalformedInputError(
            path, f'videos listed for training and validation: '
            f'{sorted(both)[:5]}')
    return sections['train'], sections['val']


def protocol_name(spec: str) -> Tuple[str, str]:
    """``'NAME=PATH'`` or ``'PATH'`` -> ``(name, path)``; the name of a bare
    path is ``xsub`` if its file name mentions "subject", ``xview`` if it
    mentions "view"."""
    if '=' in spec:
        name, path = spec.split('=', 1)
        return name, path
    base = osp.basename(spec).lower()
    for key, name in (('subject', 'xsub'), ('view', 'xview')):
        if key in base:
            return name, spec
    raise SkeletonDataError(
        f'{spec}: cannot tell the protocol of this split file from its '
        'name (it mentions neither "subject" nor "view"): pass it as '
        'NAME=PATH (e.g. xsub=cross-subject.txt)')


def pku_splits(names: Sequence[str],
               split_files: Dict[str, str]) -> Dict[str, List[str]]:
    """Clip names per split.

    Args:
        names (Sequence[str]): Clip names ``<video>_<n>``.
        split_files (dict): Protocol name -> split file.

    Returns:
        dict: ``{protocol}_train`` / ``{protocol}_val`` -> clip names.
    """
    splits = {}
    video = {n: n.rsplit('_', 1)[0] for n in names}
    for protocol, path in split_files.items():
        train, val = (set(ids) for ids in read_split_file(path))
        splits[f'{protocol}_train'] = [n for n in names if video[n] in train]
        splits[f'{protocol}_val'] = [n for n in names if video[n] in val]
    return splits


def _discover_split_files(root: str) -> List[str]:
    found = []
    for pattern in ('*cross*subject*.txt', '*cross*view*.txt'):
        found += sorted(glob.glob(osp.join(root, pattern)))
    return found


def convert_pku_mmd(input_dir: str,
                    out_file: str,
                    skeleton_dir: Optional[str] = None,
                    label_dir: Optional[str] = None,
                    split_files: Optional[Sequence[str]] = None,
                    max_bodies: int = 2,
                    num_workers: int = 1,
                    skip_bad: bool = False,
                    store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert PKU-MMD (phase I or II) to an annotation pkl.

    Args:
        input_dir (str): Dataset root; by default holds ``skeleton/``,
            ``label/`` and the split files.
        out_file (str): Destination annotation ``.pkl``.
        skeleton_dir (str, optional): Defaults to ``input_dir/skeleton``.
        label_dir (str, optional): Defaults to ``input_dir/label``.
        split_files (Sequence[str], optional): ``PATH`` or ``NAME=PATH``
            entries; default: ``*cross*subject*.txt`` and
            ``*cross*view*.txt`` in ``input_dir``.
        max_bodies (int): Bodies kept per clip. Defaults to 2.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed videos. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if max_bodies < 1:
        raise ValueError(f'max_bodies must be at least 1, got {max_bodies}')
    skeleton_dir = skeleton_dir or osp.join(input_dir, 'skeleton')
    label_dir = label_dir or osp.join(input_dir, 'label')
    if not osp.isdir(skeleton_dir):
        raise FileNotFoundError(f'{skeleton_dir}: no skeleton directory')
    videos = sorted(glob.glob(osp.join(skeleton_dir, '*.txt')))
    if not videos:
        raise FileNotFoundError(f'{skeleton_dir}: no *.txt skeleton files')
    specs = split_files or _discover_split_files(input_dir)
    if not specs:
        raise FileNotFoundError(
            f'{input_dir}: no split files (cross-subject.txt / '
            'cross-view.txt); pass them with --split-file')
    protocols = dict(protocol_name(s) for s in specs)
    for path in protocols.values():
        read_split_file(path)  # fail early, before the long parse
    items = [(v, osp.join(label_dir, osp.basename(v))) for v in videos]
    return convert_files(
        functools.partial(parse_pku_video, max_bodies=max_bodies), items,
        lambda anns: pku_splits([a['frame_dir'] for a in anns], protocols),
        out_file, 'ntu25', num_workers=num_workers, skip_bad=skip_bad,
        store_dir=store_dir, description='PKU-MMD videos')
