"""Toyota Smarthome (trimmed): LCR-Net++ 3D poses -> annotation pkl.

Reads the v1.2 skeleton release (one ``<Activity>_pNN_rNN_vNN_cNN_pose3d``
JSON file per clip, 13 ``lcrnet13`` joints, the best-scored detection per
frame) and assigns the cross-subject and cross-view protocols in the
``cs`` or ``cv`` label space. Schema, sources and protocols: see
docs/converters.md, "Toyota Smarthome".
"""
import functools
import glob
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .errors import MalformedInputError, json_numbers, read_json
from .pipeline import convert_files

__all__ = [
    'CS_CLASSES', 'CV_CLASSES', 'parse_toyota_name', 'read_toyota_json',
    'parse_toyota_file', 'toyota_splits', 'convert_toyota'
]

NUM_JOINTS = 13
CS_CLASSES = (
    'Cook.Cleandishes', 'Cook.Cleanup', 'Cook.Cut', 'Cook.Stir',
    'Cook.Usestove', 'Cutbread', 'Drink.Frombottle', 'Drink.Fromcan',
    'Drink.Fromcup', 'Drink.Fromglass', 'Eat.Attable', 'Eat.Snack', 'Enter',
    'Getup', 'Laydown', 'Leave', 'Makecoffee.Pourgrains',
    'Makecoffee.Pourwater', 'Maketea.Boilwater', 'Maketea.Insertteabag',
    'Pour.Frombottle', 'Pour.Fromcan', 'Pour.Fromkettle', 'Readbook',
    'Sitdown', 'Takepills', 'Uselaptop', 'Usetelephone', 'Usetablet', 'Walk',
    'WatchTV')
CV_CLASSES = (
    'Cutbread', 'Drink.Frombottle', 'Drink.Fromcan', 'Drink.Fromcup',
    'Drink.Fromglass', 'Eat.Attable', 'Eat.Snack', 'Enter', 'Getup', 'Leave',
    'Pour.Frombottle', 'Pour.Fromcan', 'Readbook', 'Sitdown', 'Takepills',
    'Uselaptop', 'Usetablet', 'Usetelephone', 'Walk')
LABEL_SPACES = {'cs': CS_CLASSES, 'cv': CV_CLASSES}
CS_TRAIN_SUBJECTS = frozenset((3, 4, 6, 7, 9, 12, 13, 15, 17, 19, 25))
#: protocol -> (train cameras, validation cameras, test cameras)
CV_CAMERAS = {
    'cv1': (frozenset((1, )), frozenset((5, )), frozenset((2, ))),
    'cv2': (frozenset((1, 3, 4, 6, 7)), frozenset((5, )), frozenset((2, ))),
}
CAMERAS = frozenset(range(1, 8))
SUFFIX = '_pose3d.json'

_NAME = re.compile(r'^(?P<activity>[A-Za-z.]+)_p(?P<subject>\d{2})'
                   r'_r(?P<take>\d{2})_v(?P<video>\d{2})_c(?P<camera>\d{2})$')


def parse_toyota_name(name: str) -> Optional[Dict[str, Any]]:
    """``'Walk_p03_r01_v15_c07'`` -> ``{'activity': 'Walk', 'subject': 3,
    'take': 1, 'video': 15, 'camera': 7}``, or ``None``."""
    match = _NAME.match(name)
    if match is None:
        return None
    fields = {k: int(v) for k, v in match.groupdict().items()
              if k != 'activity'}
    fields['activity'] = match.group('activity')
    return fields


def _schema_error(path: str, problem: str) -> MalformedInputError:
    return MalformedInputError(
        path, f'{problem}; expected the Toyota Smarthome LCR-Net++ schema '
        '{"njts": 13, "frames": [[{"pose3d": [39 numbers], ...}, ...], ...]}')


def _detection_xyz(path: str, t: int, detection: Any) -> np.ndarray:
    if not isinstance(detection, dict) or 'pose3d' not in detection:
        raise _schema_error(path, f'frame {t}: a detection without "pose3d"')
    pose = detection['pose3d']
    if not isinstance(pose, list) or len(pose) != 3 * NUM_JOINTS:
        size = len(pose) if isinstance(pose, list) else type(pose).__name__
        raise _schema_error(
            path, f'frame {t}: "pose3d" has {size} values, expected '
            f'{3 * NUM_JOINTS} (13 joints x 3)')
    return json_numbers(path, pose,
                            f'frame {t}').reshape(3, NUM_JOINTS).T


def _best(path: str, t: int, detections: List[Any]) -> int:
    """Index of the detection with the highest ``cumscore`` (the first of
    equals), or 0 when no detection has a score."""
    scores = [d.get('cumscore') for d in detections]
    if all(s is None for s in scores):
        return 0
    if any(s is None for s in scores):
        raise _schema_error(path, f'frame {t}: "cumscore" in some detections '
                            'only')
    return int(np.argmax(json_numbers(path, scores, f'frame {t}: cumscore',
                                      np.float64)))


def read_toyota_json(path: str) -> np.ndarray:
    """Load one clip's poses.

    Args:
        path (str): ``<clip>_pose3d.json``.

    Returns:
        np.ndarray: float32 ``[T, 13, 3]``, zeros where nobody was
        detected.

    Raises:
        MalformedInputError: Bad JSON (with its line), any deviation from
            the accepted schema, zero frames, NaN, or no detection at all.
    """
    content = read_json(path)
    if not isinstance(content, dict):
        raise _schema_error(path,
                            f'a JSON {type(content).__name__} at top level')
    if content.get('njts') != NUM_JOINTS:
        raise _schema_error(path, f'"njts" is {content.get("njts")!r}')
    frames = content.get('frames')
    if not isinstance(frames, list):
        raise _schema_error(path, 'no "frames" list')
    if not frames:
        raise MalformedInputError(path, 'zero frames: "frames" is empty')
    poses = np.zeros((len(frames), NUM_JOINTS, 3), np.float32)
    for t, detections in enumerate(frames):
        if not isinstance(detections, list):
            raise _schema_error(path, f'frame {t} is not a list of '
                                'detections')
        if detections:  # validate all, keep the best
            xyz = [_detection_xyz(path, t, d) for d in detections]
            poses[t] = xyz[_best(path, t, detections)]
    if not poses.any():
        raise MalformedInputError(path, 'nobody detected in any frame')
    return poses


def parse_toyota_file(path: str,
                      label_space: str = 'cs') -> List[Dict[str, Any]]:
    """One clip file -> one annotation (mmaction2 schema).

    Args:
        path (str): ``<Activity>_pNN_rNN_vNN_cNN_pose3d.json``.
        label_space (str): ``'cs'`` (31 classes) or ``'cv'`` (19).

    Returns:
        list[dict]: ``[{'frame_dir', 'label', 'total_frames',
        'keypoint' [1, T, 13, 3]}]``.

    Raises:
        MalformedInputError: Bad name, unknown activity or camera, or bad
            content (see :func:`read_toyota_json`).
    """
    base = osp.basename(path)
    name = base[:-len(SUFFIX)]
    fields = base.endswith(SUFFIX) and parse_toyota_name(name)
    if not fields:
        raise MalformedInputError(
            path, 'file name does not follow '
            '<Activity>_pNN_rNN_vNN_cNN_pose3d.json')
    classes = LABEL_SPACES[label_space]
    if fields['activity'] not in classes:
        raise MalformedInputError(
            path, f'activity {fields["activity"]!r} is not one of the '
            f'{len(classes)} {label_space.upper()} activities')
    if fields['camera'] not in CAMERAS:
        raise MalformedInputError(
            path, f'unknown camera c{fields["camera"]:02d}')
    keypoint = read_toyota_json(path)[None]
    return [{
        'frame_dir': name,
        'label': classes.index(fields['activity']),
        'total_frames': keypoint.shape[1],
        'keypoint': keypoint,
    }]


def _activity(path: str) -> Optional[str]:
    """The activity in a well-formed clip file name, else ``None``."""
    base = osp.basename(path)
    fields = base.endswith(SUFFIX) and parse_toyota_name(base[:-len(SUFFIX)])
    return fields['activity'] if fields else None


def toyota_splits(names: Sequence[str]) -> Dict[str, List[str]]:
    """CS, CV1 and CV2 splits of clip names (see the module docstring)."""
    fields = {n: parse_toyota_name(n) for n in names}
    splits = {
        'cs_train': [n for n in names
                     if fields[n]['subject'] in CS_TRAIN_SUBJECTS],
        'cs_val': [n for n in names
                   if fields[n]['subject'] not in CS_TRAIN_SUBJECTS],
    }
    cross_view = [n for n in names if fields[n]['activity'] in CV_CLASSES]
    for protocol, cameras in CV_CAMERAS.items():
        for side, members in zip(('train', 'val', 'test'), cameras):
            splits[f'{protocol}_{side}'] = [
                n for n in cross_view if fields[n]['camera'] in members]
    return splits


def convert_toyota(input_dir: str,
                   out_file: str,
                   label_space: str = 'cs',
                   num_workers: int = 1,
                   skip_bad: bool = False,
                   store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert a directory of Toyota Smarthome ``*_pose3d.json`` files.

    Args:
        input_dir (str): Directory with the JSON files (other files are an
            error: the schema is checked by name and content).
        out_file (str): Destination annotation ``.pkl``.
        label_space (str): ``'cs'`` (31 activities, all clips) or ``'cv'``
            (the 19 cross-view activities only). Defaults to ``'cs'``.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if label_space not in LABEL_SPACES:
        raise ValueError(f'label_space must be one of {sorted(LABEL_SPACES)}'
                         f', got {label_space!r}')
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    files = sorted(glob.glob(osp.join(input_dir, '*.json')))
    if not files:
        raise FileNotFoundError(f'{input_dir}: no *.json files found')
    kept = files
    if label_space == 'cv':  # leave the 12 other activities out, by name
        kept = [p for p in files if _activity(p) in CV_CLASSES + (None, )]
    return convert_files(
        functools.partial(parse_toyota_file, label_space=label_space), kept,
        lambda anns: toyota_splits([a['frame_dir'] for a in anns]),
        out_file, 'lcrnet13', classes=LABEL_SPACES[label_space],
        num_workers=num_workers, skip_bad=skip_bad, store_dir=store_dir,
        excluded=len(files) - len(kept),
        description='Toyota Smarthome pose files')
