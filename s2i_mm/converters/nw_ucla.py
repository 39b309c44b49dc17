"""NW-UCLA (Northwestern-UCLA Multiview Action 3D): JSON -> annotation pkl.

Reads CTR-GCN's per-sequence JSON redistribution (``kinect20``, one body),
turns the 1-based file labels into 0-based ones checked against the action
code of the name, and assigns the cross-view protocol and its
subject-disjoint validation protocol (``xview_dev_*``). Schema and
protocols: see docs/converters.md, "NW-UCLA".
"""
import glob
import os.path as osp
import re
from typing import Any, Dict, List, Optional

import numpy as np

from .errors import MalformedInputError, json_numbers, read_json
from .pipeline import convert_files

__all__ = [
    'ACTION_CODES', 'CLASSES', 'read_ucla_json', 'parse_ucla_file',
    'ucla_splits', 'convert_nw_ucla'
]

NUM_JOINTS = 20
#: action code -> 0-based label
ACTION_CODES = {code: i for i, code in enumerate(
    (1, 2, 3, 4, 5, 6, 8, 9, 11, 12))}
CLASSES = ('pick up with one hand', 'pick up with two hands', 'drop trash',
           'walk around', 'sit down', 'stand up', 'donning', 'doffing',
           'throw', 'carry')
TRAIN_VIEWS = frozenset((1, 2))
VAL_VIEWS = frozenset((3, ))
SUBJECTS = frozenset(range(1, 11))
DEV_TRAIN_SUBJECTS = frozenset(range(1, 9))
DEV_VAL_SUBJECTS = frozenset((9, 10))

_NAME = re.compile(r'^a(\d{2})_s(\d{2})_e(\d{2})_v(\d{2})$')


def read_ucla_json(path: str) -> Dict[str, Any]:
    """Load one NW-UCLA JSON file and check its schema.

    Args:
        path (str): ``<file_name>.json``.

    Returns:
        dict: ``file_name`` (str), ``label`` (int, as in the file) and
        ``skeletons`` (float32 ``[T, 20, 3]``).

    Raises:
        MalformedInputError: Bad JSON (with its line), missing keys, wrong
            types, wrong joint count, zero frames, a coordinate that is not
            a finite float32 number (strings and booleans are not numbers)
            or a skeleton that is zero everywhere.
    """
    content = read_json(path)
    if not isinstance(content, dict):
        raise MalformedInputError(
            path, f'expected a JSON object, got {type(content).__name__}')
    missing = {'file_name', 'skeletons', 'label'} - set(content)
    if missing:
        raise MalformedInputError(
            path, f'missing key(s) {sorted(missing)}; expected '
            '{"file_name", "skeletons" [T][20][3], "label"}')
    label = content['label']
    if isinstance(label, bool) or not isinstance(label, int):
        raise MalformedInputError(path, f'label must be an integer, got '
                                  f'{label!r}')
    frames = content['skeletons']
    if not isinstance(frames, list) or not frames:
        raise MalformedInputError(path, 'zero frames: "skeletons" is empty'
                                  if isinstance(frames, list) else
                                  '"skeletons" must be a list [T][20][3]')
    skeletons = np.empty((len(frames), NUM_JOINTS, 3), np.float32)
    for t, joints in enumerate(frames):
        if not isinstance(joints, list) or len(joints) != NUM_JOINTS:
            count = len(joints) if isinstance(joints, list) else 'no'
            raise MalformedInputError(
                path, f'frame {t} has {count} joints, NW-UCLA skeletons '
                f'have {NUM_JOINTS}')
        if not all(isinstance(j, list) and len(j) == 3 for j in joints):
            raise MalformedInputError(
                path, f'frame {t}: every joint must be [x, y, z]')
        skeletons[t] = json_numbers(
            path, [v for joint in joints for v in joint],
            f'frame {t}').reshape(NUM_JOINTS, 3)
    if not skeletons.any():
        raise MalformedInputError(
            path, 'every coordinate is zero (all zero: no skeleton)')
    return {'file_name': content['file_name'], 'label': label,
            'skeletons': skeletons}


def parse_ucla_file(path: str) -> List[Dict[str, Any]]:
    """One NW-UCLA JSON file -> one annotation (mmaction2 schema).

    Args:
        path (str): The file.

    Returns:
        list[dict]: ``[{'frame_dir', 'label', 'total_frames',
        'keypoint' [1, T, 20, 3]}]``.

    Raises:
        MalformedInputError: See :func:`read_ucla_json`; also a bad or
            inconsistent ``file_name`` or a label that disagrees with it.
    """
    sample = read_ucla_json(path)
    name = sample['file_name']
    stem = osp.splitext(osp.basename(path))[0]
    match = _NAME.match(name) if isinstance(name, str) else None
    if match is None:
        raise MalformedInputError(
            path, f'file_name {name!r} does not follow aNN_sNN_eNN_vNN')
    if name != stem:
        raise MalformedInputError(
            path, f'file_name {name!r} differs from the file name {stem!r}')
    action, subject, _, view = map(int, match.groups())
    if action not in ACTION_CODES:
        raise MalformedInputError(path, f'unknown action code a{action:02d}')
    if subject not in SUBJECTS:
        raise MalformedInputError(path, f'unknown subject s{subject:02d}')
    if view not in TRAIN_VIEWS | VAL_VIEWS:
        raise MalformedInputError(path, f'unknown view v{view:02d}')
    expected = ACTION_CODES[action] + 1
    if sample['label'] != expected:
        raise MalformedInputError(
            path, f'label {sample["label"]} disagrees with action '
            f'a{action:02d} (its 1-based label is {expected})')
    keypoint = sample['skeletons'][None]
    return [{
        'frame_dir': name,
        'label': sample['label'] - 1,
        'total_frames': keypoint.shape[1],
        'keypoint': keypoint,
    }]


def ucla_splits(names: List[str]) -> Dict[str, List[str]]:
    """Cross-view protocol: views 1, 2 -> ``xview_train``; view 3 ->
    ``xview_val``; its validation protocol: views 1, 2 of subjects 1-8 ->
    ``xview_dev_train``, of subjects 9, 10 -> ``xview_dev_val``."""
    fields = {n: tuple(map(int, _NAME.match(n).groups())) for n in names}
    train = [n for n in names if fields[n][3] in TRAIN_VIEWS]
    return {
        'xview_train': train,
        'xview_val': [n for n in names if fields[n][3] in VAL_VIEWS],
        'xview_dev_train': [
            n for n in train if fields[n][1] in DEV_TRAIN_SUBJECTS],
        'xview_dev_val': [
            n for n in train if fields[n][1] in DEV_VAL_SUBJECTS],
    }


def convert_nw_ucla(input_dir: str,
                    out_file: str,
                    num_workers: int = 1,
                    skip_bad: bool = False,
                    store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert a directory of NW-UCLA JSON files (e.g. ``all_sqe``).

    Args:
        input_dir (str): Directory with the ``*.json`` files.
        out_file (str): Destination annotation ``.pkl``.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    files = sorted(glob.glob(osp.join(input_dir, '*.json')))
    if not files:
        raise FileNotFoundError(f'{input_dir}: no *.json files found')
    return convert_files(
        parse_ucla_file, files,
        lambda anns: ucla_splits([a['frame_dir'] for a in anns]), out_file,
        'kinect20', classes=CLASSES, num_workers=num_workers,
        skip_bad=skip_bad, store_dir=store_dir,
        description='NW-UCLA JSON files')
