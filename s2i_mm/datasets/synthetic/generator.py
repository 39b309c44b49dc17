"""Generate synthetic skeleton action datasets in the pkl schema.

Every sample is drawn from its own random stream ``(seed, label,
number)``, posed by the procedural actions of :mod:`.actions` on
:mod:`.body_model`, and written in every requested layout by mapping joint
names from ``ntu25`` (:func:`layout_indices`). What varies per sample and
with ``difficulty``: see docs/datasets.md, "The synthetic dataset".
"""
from typing import Dict, List, Sequence

import numpy as np

from s2i_mm.formats import get_format

from .actions import ACTIONS, CLASSES, Motion
from .body_model import REST_POSE, forward_kinematics, rot_x, rot_y, rot_z

__all__ = ['generate', 'layout_indices', 'JOINT_ALIASES', 'FPS']

FPS = 30
NUM_SUBJECTS = 10
VAL_SUBJECTS = (8, 9, 10)

#: Names of other layouts -> the ntu25 joint at the same place.
JOINT_ALIASES = {
    'hip_center': 'spine_base',
    'spine': 'spine_mid',
    'shoulder_center': 'spine_shoulder',
}
_GROUND = ('left_ankle', 'left_foot', 'right_ankle', 'right_foot')
#: bones that fidget (slow random swings added to every action)
_FIDGET = ('spine_mid', 'neck', 'left_elbow', 'left_wrist', 'right_elbow',
           'right_wrist', 'left_knee', 'right_knee')


def _fidget(rotations: Dict[str, np.ndarray], seconds: np.ndarray,
            degrees: float, rng: np.random.Generator) -> Dict[str, np.ndarray]:
    """Add slow random swings of up to ``degrees`` to some bones."""
    rotations = dict(rotations)
    for name in _FIDGET:
        hertz, phase = rng.uniform(0.2, 0.8, 2), rng.uniform(0, 2 * np.pi, 2)
        amp = np.deg2rad(degrees) * rng.uniform(0, 1, 2)
        swing = amp[:, None] * np.sin(2 * np.pi * hertz[:, None] * seconds +
                                      phase[:, None])
        extra = rot_x(swing[0]) @ rot_z(swing[1])
        rotations[name] = (extra if name not in rotations else
                           np.broadcast_to(rotations[name], extra.shape) @
                           extra)
    return rotations


def layout_indices(source: str, target: str) -> List[int]:
    """For each joint of ``target``, its index in ``source``.

    Joints are matched by name, or through :data:`JOINT_ALIASES`.

    Args:
        source (str): Name of the layout the data is in (e.g. 'ntu25').
        target (str): Name of the layout to express it in.

    Returns:
        list[int]: ``keypoint[..., indices, :]`` is the data in ``target``.

    Raises:
        KeyError: If a ``target`` joint has no counterpart in ``source``.
    """
    names = list(get_format(source).joint_names)
    indices = []
    for joint in get_format(target).joint_names:
        name = joint if joint in names else JOINT_ALIASES.get(joint)
        if name not in names:
            raise KeyError(f'joint {joint!r} of {target} has no counterpart '
                           f'in {source}')
        indices.append(names.index(name))
    return indices


def _ntu25_order() -> List[str]:
    names = list(get_format('ntu25').joint_names)
    assert set(names) == set(REST_POSE), 'body model and ntu25 disagree'
    return names


def _sample(label: int, number: int, seed: int, difficulty: float,
            order: Sequence[str]) -> Dict:
    rng = np.random.default_rng([seed, label, number])
    d = difficulty
    num_frames = int(rng.integers(40, 151))
    motion = Motion(
        seconds=np.arange(num_frames) / FPS,
        amp=rng.uniform(1 - 0.05 - 0.25 * d, 1 + 0.05 + 0.25 * d),
        speed=rng.uniform(1 - 0.1 - 0.3 * d, 1 + 0.1 + 0.3 * d),
        phase=rng.uniform(0, 2 * np.pi),
        onset=rng.uniform(-0.1, 0.1) * d)
    actors = ACTIONS[CLASSES[label]](motion)
    ground = [order.index(j) for j in _GROUND]
    bodies = np.zeros((2, num_frames, len(order), 3))
    for m, actor in enumerate(actors):
        overall = rng.uniform(0.85, 1.15)
        scale = {k: overall * rng.uniform(0.95, 1.05)
                 for k in ('trunk', 'arm', 'leg')}
        rotations = _fidget(actor.rotations, motion.seconds, 4 + 16 * d,
                            rng)
        joints = forward_kinematics(rotations, num_frames, scale)
        body = np.stack([joints[name] for name in order], axis=1)
        body[..., 1] -= body[:, ground, 1].min(axis=1, keepdims=True)
        if actor.yaw is not None:
            body = body @ rot_y(actor.yaw).transpose(0, 2, 1)
        if actor.shift is not None:
            body += actor.shift[:, None]
        bodies[m] = body
    view = rng.uniform(-1, 1) * np.deg2rad(20 + 70 * d)
    camera = rot_y(np.pi + view)[0]  # the person faces the camera
    place = np.array([rng.uniform(-0.4, 0.4), -rng.uniform(0.7, 1.0),
                      rng.uniform(2.3, 3.8)])
    scene = bodies @ camera.T + place
    scene += rng.normal(0, 0.003 + 0.02 * d, scene.shape)
    scene[len(actors):] = 0  # absent second person
    dropped = rng.choice(num_frames, int(rng.integers(0, 2 + round(4 * d))),
                         replace=False)
    scene[:, dropped] = 0
    subject = int(rng.integers(1, NUM_SUBJECTS + 1))
    return dict(
        frame_dir=f'S{subject:03d}A{label + 1:03d}N{number:05d}',
        label=label,
        total_frames=num_frames,
        subject=subject,
        keypoint=scene.astype(np.float32))


def generate(num_per_class: int = 100,
             seed: int = 0,
             difficulty: float = 0.5,
             formats: Sequence[str] = ('ntu25', 'kinect20', 'lcrnet13'),
             progress: bool = False) -> Dict[str, Dict]:
    """Generate a synthetic dataset in several layouts.

    Args:
        num_per_class (int): Samples per class. Defaults to 100.
        seed (int): Seed; the output is a function of the arguments only.
            Defaults to 0.
        difficulty (float): In ``[0, 1]``; see the module docstring.
            Defaults to 0.5.
        formats (Sequence[str]): Layouts to produce. Defaults to ntu25,
            kinect20 and lcrnet13.
        progress (bool): Show a progress bar. Defaults to False.

    Returns:
        dict[str, dict]: Layout name -> ``{'split': {'train', 'val'},
        'annotations', 'classes', 'skeleton_format'}`` (the pkl schema).
    """
    if not 0 <= difficulty <= 1:
        raise ValueError(f'difficulty must be in [0, 1], got {difficulty}')
    if num_per_class < 1:
        raise ValueError(f'num_per_class must be >= 1, got {num_per_class}')
    order = _ntu25_order()
    jobs = [(label, n) for label in range(len(CLASSES))
            for n in range(num_per_class)]
    if progress:
        from rich.progress import track
        jobs = track(jobs, description='generating', transient=True)
    samples = [_sample(label, n, seed, difficulty, order)
               for label, n in jobs]
    split = {
        'train': [s['frame_dir'] for s in samples
                  if s['subject'] not in VAL_SUBJECTS],
        'val': [s['frame_dir'] for s in samples
                if s['subject'] in VAL_SUBJECTS],
    }
    result = {}
    for name in formats:
        index = layout_indices('ntu25', name)
        annotations = [
            dict(frame_dir=s['frame_dir'], label=s['label'],
                 total_frames=s['total_frames'],
                 keypoint=np.ascontiguousarray(s['keypoint'][:, :, index]))
            for s in samples
        ]
        result[name] = dict(
            split={k: list(v) for k, v in split.items()},
            annotations=annotations, classes=list(CLASSES),
            skeleton_format=name)
    return result
