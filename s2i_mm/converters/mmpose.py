"""2D poses predicted by mmpose -> annotation pkl (``[M, T, K, 3]``: x, y,
keypoint score).

Reads mmpose 1.x prediction files by their published schema (a clip is a
JSON file of frames, or a folder of per-frame JSON files) and picks at
most ``max_persons`` persons per clip by box tracking (``'track'``) or
per-frame score (``'score'``). Schema, layouts and person rules: see
docs/converters.md, "mmpose predictions".
"""
import functools
import os
import os.path as osp
import re
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from s2i_mm.fileio.annotation import SkeletonDataError

from .errors import MalformedInputError, json_numbers, read_json
from .generic import sample_name, user_format
from .labels import convert_labelled_inputs

__all__ = [
    'PERSON_RULES', 'TRACK_IOU', 'natural_key', 'find_clips', 'read_clip',
    'box_iou', 'track_persons', 'rank_persons', 'parse_mmpose_clip',
    'convert_mmpose'
]

PERSON_RULES = ('track', 'score')
#: ours: the smallest box IoU that continues a track, the threshold
#: mmpose's own IoU tracking runs with in its pose-tracking demos
#: (``get_track_id(..., use_oks=False, tracking_thr=0.3)``, mmpose 0.x;
#: ``_track_by_iou`` in 1.x). Between consecutive frames a person's box
#: moves little (IoU well above 0.5) while two people side by side overlap
#: little. Not tuned on data.
TRACK_IOU = 0.3

#: One parsed instance: keypoints ``[K, 3]`` (x, y, score) and box
#: ``[4]`` (x1, y1, x2, y2).
Instance = Tuple[np.ndarray, np.ndarray]


def natural_key(text: str) -> list:
    """Sort key: digit runs compare as numbers (``f2`` < ``f10``)."""
    return [(0, int(part), '') if part.isdigit() else (1, 0, part)
            for part in re.split(r'(\d+)', text) if part]


def _clip_kind(content: Any) -> Optional[str]:
    """``'clip'`` (schema a or b), ``'frame'`` (c) or None (cannot
    tell)."""
    if isinstance(content, dict):
        return 'clip' if 'instance_info' in content else None
    if isinstance(content, list) and content and isinstance(
            content[0], dict):
        if 'frame_id' in content[0]:
            return 'clip'
        if 'keypoints' in content[0]:
            return 'frame'
    return None


def _folder_kind(paths: Sequence[str]) -> str:
    for path in paths:
        try:
            kind = _clip_kind(read_json(path))
        except MalformedInputError:
            continue  # reported when the clip is parsed
        if kind is not None:
            return kind
    return 'clip'


def find_clips(input_dir: str,
               skip: Sequence[str] = ()) -> List[Tuple[str, str]]:
    """``(path, sample name)`` of every clip below ``input_dir`` (a JSON
    file of schema a/b, or a folder of frame files), sorted by name.

    Raises:
        FileNotFoundError: Not a folder, or no JSON file in it.
    """
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'{input_dir}: not a directory')
    skip = {osp.realpath(p) for p in skip}
    clips = []
    for folder, dirs, files in os.walk(input_dir, followlinks=True):
        dirs.sort()
        paths = [osp.join(folder, f) for f in sorted(files, key=natural_key)
                 if f.lower().endswith('.json')]
        paths = [p for p in paths if osp.realpath(p) not in skip]
        if not paths:
            continue
        if _folder_kind(paths) != 'frame':
            clips.extend(paths)
        elif folder == input_dir:
            raise SkeletonDataError(
                f'{input_dir} holds the frame files of one clip (schema c); '
                'pass the folder that holds the clip folders')
        else:
            clips.append(folder)
    if not clips:
        raise FileNotFoundError(f'{input_dir}: no *.json prediction files '
                                'found')
    named = [(path, sample_name(path, input_dir)) for path in clips]
    return sorted(named, key=lambda pair: pair[1])


def _instance(path: str, where: str, content: Any,
              num_keypoints: int) -> Instance:
    """Check one mmpose instance; return keypoints ``[K, 3]`` and box."""
    if not isinstance(content, dict) or 'keypoints' not in content or \
            'keypoint_scores' not in content:
        raise MalformedInputError(
            path, f'{where}: expected an instance {{"keypoints": [[x, y] * '
            f'{num_keypoints}], "keypoint_scores": [{num_keypoints}], '
            f'"bbox"?}}, got {str(content)[:60]!r}')
    points, scores = content['keypoints'], content['keypoint_scores']
    if not isinstance(points, list) or len(points) != num_keypoints:
        count = len(points) if isinstance(points, list) else 'no'
        raise MalformedInputError(
            path, f'{where}: {count} keypoints, the format has '
            f'{num_keypoints}')
    if not all(isinstance(p, list) and len(p) == 2 for p in points):
        raise MalformedInputError(
            path, f'{where}: every keypoint must be [x, y] (2D poses)')
    if not isinstance(scores, list) or len(scores) != num_keypoints:
        count = len(scores) if isinstance(scores, list) else 'no'
        raise MalformedInputError(
            path, f'{where}: {count} keypoint_scores for {num_keypoints} '
            'keypoints')
    keypoint = np.empty((num_keypoints, 3), np.float32)
    keypoint[:, :2] = json_numbers(path, [v for p in points for v in p],
                                   f'{where}: keypoints').reshape(-1, 2)
    keypoint[:, 2] = json_numbers(path, scores, f'{where}: keypoint_scores')
    box = content.get('bbox')
    if box is None:
        box = np.concatenate([keypoint[:, :2].min(0), keypoint[:, :2].max(0)])
    else:
        if isinstance(box, list) and len(box) == 1 and isinstance(
                box[0], list):
            box = box[0]
        if not isinstance(box, list) or len(box) != 4:
            raise MalformedInputError(
                path, f'{where}: bbox must be [[x1, y1, x2, y2]] or '
                '[x1, y1, x2, y2]')
        box = json_numbers(path, box, f'{where}: bbox', np.float64)
    return keypoint, np.asarray(box, np.float64)


def _instances(path: str, where: str, content: Any,
               num_keypoints: int) -> List[Instance]:
    if not isinstance(content, list):
        raise MalformedInputError(
            path, f'{where}: expected a list of instances, got '
            f'{type(content).__name__}')
    return [_instance(path, f'{where}, instance {i}', inst, num_keypoints)
            for i, inst in enumerate(content)]


def _frames_by_id(path: str, frames: Any,
                  num_keypoints: int) -> List[List[Instance]]:
    """Schema a (and b's ``instance_info``): frames ordered by id."""
    by_id: Dict[int, List[Instance]] = {}
    for i, frame in enumerate(frames):
        if not isinstance(frame, dict) or 'instances' not in frame or \
                'frame_id' not in frame:
            raise MalformedInputError(
                path, f'frame record {i}: expected {{"frame_id": i, '
                f'"instances": [...]}}, got {str(frame)[:60]!r}')
        frame_id = frame['frame_id']
        if isinstance(frame_id, bool) or not isinstance(frame_id, int):
            raise MalformedInputError(
                path, f'frame record {i}: frame_id {frame_id!r} is not an '
                'integer')
        if frame_id in by_id:
            raise MalformedInputError(
                path, f'frame record {i}: frame_id {frame_id} repeats')
        by_id[frame_id] = _instances(path, f'frame_id {frame_id}',
                                     frame['instances'], num_keypoints)
    return [by_id[i] for i in sorted(by_id)]


def read_clip(path: str, num_keypoints: int) -> List[List[Instance]]:
    """The instances of every frame of one clip (schema a, b or c).

    Args:
        path (str): A clip file or a folder of frame files.
        num_keypoints (int): ``K`` of the format.

    Returns:
        list[list[tuple]]: Per frame, its instances (keypoints ``[K, 3]``,
        box ``[4]``).

    Raises:
        MalformedInputError: Bad JSON (with its line), another schema,
            wrong keypoint counts, 3D keypoints, non-numbers, NaN/inf,
            repeated frame ids, zero frames.
    """
    if osp.isdir(path):
        files = sorted((f for f in os.listdir(path)
                        if f.lower().endswith('.json')), key=natural_key)
        frames = [_instances(osp.join(path, f), 'frame file',
                             read_json(osp.join(path, f)), num_keypoints)
                  for f in files]
    else:
        content = read_json(path)
        if isinstance(content, dict) and 'instance_info' in content:
            content = content['instance_info']
            if isinstance(content, list) and content and isinstance(
                    content[0], dict) and 'frame_id' not in content[0]:
                content = [{'frame_id': 0, 'instances': content}]  # image
        elif not isinstance(content, list):
            raise MalformedInputError(
                path, 'expected mmpose predictions: a list of {"frame_id", '
                '"instances"} or {"meta_info", "instance_info"}')
        if not isinstance(content, list):
            raise MalformedInputError(path, 'instance_info must be a list')
        frames = _frames_by_id(path, content, num_keypoints)
    if not frames:
        raise MalformedInputError(path, 'zero frames')
    return frames


def box_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes (0 for
    boxes without area)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])
             - inter)
    return float(inter / union) if union > 0 else 0.0


def track_persons(frames: Sequence[Sequence[Instance]], max_persons: int,
                  iou_threshold: float = TRACK_IOU) -> np.ndarray:
    """The ``'track'`` person rule (module docstring).

    Returns:
        np.ndarray: ``[M, T, K, 3]``, ``M <= max_persons``, the track with
        the highest summed keypoint score first; 0 where a track is absent.
    """
    tracks: List[Dict[str, Any]] = []
    for t, instances in enumerate(frames):
        pairs = sorted(
            ((box_iou(box, track['box']), i, k)
             for i, (_, box) in enumerate(instances)
             for k, track in enumerate(tracks)),
            key=lambda pair: -pair[0])  # stable: ties by instance, track
        taken_instances, taken_tracks = set(), set()
        for iou, i, k in pairs:
            if iou < iou_threshold:
                break
            if i in taken_instances or k in taken_tracks:
                continue
            taken_instances.add(i)
            taken_tracks.add(k)
            tracks[k]['frames'][t] = instances[i][0]
            tracks[k]['box'] = instances[i][1]
        for i, (keypoint, box) in enumerate(instances):
            if i not in taken_instances:
                tracks.append({'box': box, 'frames': {t: keypoint}})
    score = [sum(float(k[:, 2].sum()) for k in track['frames'].values())
             for track in tracks]
    kept = sorted(range(len(tracks)), key=lambda k: -score[k])[:max_persons]
    num_keypoints = next(len(inst[0][0]) for inst in frames if inst)
    out = np.zeros((len(kept), len(frames), num_keypoints, 3), np.float32)
    for m, k in enumerate(kept):
        for t, keypoint in tracks[k]['frames'].items():
            out[m, t] = keypoint
    return out


def rank_persons(frames: Sequence[Sequence[Instance]],
                 max_persons: int) -> np.ndarray:
    """The ``'score'`` person rule (module docstring).

    Returns:
        np.ndarray: ``[M, T, K, 3]``, ``M`` = the most instances of a
        frame, at most ``max_persons``.
    """
    ranked = [sorted(instances, key=lambda inst: -float(inst[0][:, 2].mean())
                     )[:max_persons] for instances in frames]
    persons = max(len(r) for r in ranked)
    num_keypoints = next(len(inst[0][0]) for inst in frames if inst)
    out = np.zeros((persons, len(frames), num_keypoints, 3), np.float32)
    for t, instances in enumerate(ranked):
        for m, (keypoint, _) in enumerate(instances):
            out[m, t] = keypoint
    return out


def parse_mmpose_clip(item: Tuple[str, int], root: str, num_keypoints: int,
                      max_persons: int = 2,
                      person_rule: str = 'track') -> List[Dict[str, Any]]:
    """One clip of mmpose predictions -> one annotation.

    Args:
        item (tuple): ``(clip path, label)``.
        root (str): The input folder (for the sample name).
        num_keypoints (int): ``K`` of the format.
        max_persons (int): Persons kept at most. Defaults to 2.
        person_rule (str): One of :data:`PERSON_RULES`.

    Returns:
        list[dict]: ``[{'frame_dir', 'label', 'total_frames',
        'keypoint' [M, T, K, 3]}]``.

    Raises:
        MalformedInputError: See :func:`read_clip`; also a clip in which
            nobody was detected.
    """
    path, label = item
    frames = read_clip(path, num_keypoints)
    if not any(frames):
        raise MalformedInputError(
            path, f'no person detected in any of its {len(frames)} frames')
    select = track_persons if person_rule == 'track' else rank_persons
    keypoint = select(frames, max_persons)
    return [{'frame_dir': sample_name(path, root), 'label': label,
             'total_frames': keypoint.shape[1], 'keypoint': keypoint}]


def convert_mmpose(input_dir: str,
                   out_file: str,
                   skeleton_format: str = 'coco17',
                   labels_file: Optional[str] = None,
                   classes_file: Optional[str] = None,
                   split_patterns: Sequence[Tuple[str, Any]] = (),
                   max_persons: int = 2,
                   person_rule: str = 'track',
                   num_workers: int = 1,
                   skip_bad: bool = False,
                   store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Convert a folder of mmpose prediction files.

    Args:
        input_dir (str): The folder (searched recursively).
        out_file (str): Destination annotation ``.pkl``.
        skeleton_format (str): The keypoint layout: a registered name or a
            spec file whose channels are ``(x, y, score)``. Defaults to
            ``'coco17'``.
        labels_file, classes_file, split_patterns: As for
            :func:`~.generic.convert_generic`.
        max_persons (int): Persons kept per clip. Defaults to 2.
        person_rule (str): One of :data:`PERSON_RULES`. Defaults to
            'track'.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed clips. Defaults to False.
        store_dir (str, optional): Also write the packed store.

    Returns:
        dict: The conversion summary (also printed).
    """
    if person_rule not in PERSON_RULES:
        raise ValueError(f'person_rule must be one of {PERSON_RULES}, got '
                         f'{person_rule!r}')
    if max_persons < 1:
        raise ValueError(f'max_persons must be at least 1, got '
                         f'{max_persons}')
    fmt = user_format(skeleton_format)
    if tuple(fmt.channels) != ('x', 'y', 'score'):
        raise SkeletonDataError(
            f'--format {skeleton_format!r} has channels {fmt.channels}; '
            "mmpose predictions give ('x', 'y', 'score')")
    named = find_clips(input_dir,
                       skip=[p for p in (labels_file, classes_file) if p])
    parser = functools.partial(
        parse_mmpose_clip, root=input_dir, num_keypoints=fmt.num_joints,
        max_persons=max_persons, person_rule=person_rule)
    return convert_labelled_inputs(
        parser, named, out_file, skeleton_format, labels_file, classes_file,
        split_patterns, num_workers=num_workers, skip_bad=skip_bad,
        store_dir=store_dir, description='mmpose clips')
