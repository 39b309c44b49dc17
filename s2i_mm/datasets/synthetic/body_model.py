"""A procedural human body on the ntu25 kinematic tree.

The body is posed by *bone rotations*: the rotation stored under a joint
name turns the bone that ends at that joint (and everything below it)
relative to its parent bone. For example ``'left_elbow'`` swings the upper
left arm (a shoulder movement) and ``'left_wrist'`` bends the forearm (an
elbow movement).

Body frame: x points to the person's left, y up, z forward; the rest pose
stands upright with the arms hanging. Lengths are in metres, from average
adult proportions.
"""
from typing import Dict, Mapping, Optional

import numpy as np

__all__ = [
    'REST_POSE', 'SEGMENT_OF', 'forward_kinematics', 'rot_x', 'rot_y',
    'rot_z', 'flex', 'abduct'
]


def _mirror(name: str, parent: str, offset) -> Dict[str, tuple]:
    """Left joint plus its right mirror image (x negated)."""
    right = name.replace('left_', 'right_')
    right_parent = parent.replace('left_', 'right_')
    x, y, z = offset
    return {name: (parent, (x, y, z)), right: (right_parent, (-x, y, z))}


#: joint name -> (parent joint name, offset from the parent at rest);
#: parents precede children. The root ``spine_base`` (pelvis) is at 0.
REST_POSE: Dict[str, tuple] = {
    'spine_base': (None, (0.0, 0.0, 0.0)),
    'spine_mid': ('spine_base', (0.0, 0.27, 0.0)),
    'spine_shoulder': ('spine_mid', (0.0, 0.24, 0.0)),
    'neck': ('spine_shoulder', (0.0, 0.07, 0.0)),
    'head': ('neck', (0.0, 0.13, 0.01)),
    **_mirror('left_shoulder', 'spine_shoulder', (0.17, -0.03, 0.0)),
    **_mirror('left_elbow', 'left_shoulder', (0.0, -0.27, 0.0)),
    **_mirror('left_wrist', 'left_elbow', (0.0, -0.25, 0.0)),
    **_mirror('left_hand', 'left_wrist', (0.0, -0.07, 0.01)),
    **_mirror('left_hand_tip', 'left_hand', (0.0, -0.08, 0.01)),
    **_mirror('left_thumb', 'left_hand', (0.0, -0.03, 0.04)),
    **_mirror('left_hip', 'spine_base', (0.09, -0.04, 0.0)),
    **_mirror('left_knee', 'left_hip', (0.0, -0.41, 0.01)),
    **_mirror('left_ankle', 'left_knee', (0.0, -0.40, -0.01)),
    **_mirror('left_foot', 'left_ankle', (0.0, -0.05, 0.12)),
}

#: joint name -> body segment whose length scale applies to its bone
SEGMENT_OF: Dict[str, str] = {
    name: ('arm' if any(k in name for k in
                        ('elbow', 'wrist', 'hand', 'thumb')) else
           'leg' if any(k in name for k in ('knee', 'ankle', 'foot')) else
           'trunk')
    for name in REST_POSE
}


def _rotation(axis: int, angle) -> np.ndarray:
    angle = np.atleast_1d(np.asarray(angle, dtype=np.float64))
    c, s = np.cos(angle), np.sin(angle)
    a, b = [i for i in range(3) if i != axis]
    rot = np.zeros(angle.shape + (3, 3))
    rot[..., axis, axis] = 1
    rot[..., a, a], rot[..., b, b] = c, c
    rot[..., a, b], rot[..., b, a] = -s, s
    if axis == 1:  # keep the right-handed sense for the y axis
        rot[..., a, b], rot[..., b, a] = s, -s
    return rot


def rot_x(angle) -> np.ndarray:
    """Rotations ``[T, 3, 3]`` about x (y towards z for positive angles)."""
    return _rotation(0, angle)


def rot_y(angle) -> np.ndarray:
    """Rotations ``[T, 3, 3]`` about the vertical axis."""
    return _rotation(1, angle)


def rot_z(angle) -> np.ndarray:
    """Rotations ``[T, 3, 3]`` about z (x towards y for positive angles)."""
    return _rotation(2, angle)


def flex(angle) -> np.ndarray:
    """Swing a hanging bone forward (and up) by ``angle``; a bone pointing
    up (spine, neck) tilts backward, so use ``flex(-a)`` to bow."""
    return rot_x(-np.asarray(angle))


def abduct(angle, side: str) -> np.ndarray:
    """Swing a hanging limb of ``side`` ('left'/'right') outwards."""
    sign = 1.0 if side == 'left' else -1.0
    return rot_z(sign * np.asarray(angle))


def forward_kinematics(rotations: Mapping[str, np.ndarray],
                       num_frames: int,
                       scale: Optional[Mapping[str, float]] = None
                       ) -> Dict[str, np.ndarray]:
    """Joint positions over time from bone rotations.

    Args:
        rotations (Mapping[str, np.ndarray]): Joint name -> ``[T, 3, 3]``
            (or ``[1, 3, 3]``) rotation of the bone ending at that joint;
            the root's entry orients the whole body. Missing = identity.
        num_frames (int): ``T``.
        scale (Mapping[str, float], optional): Segment ('trunk', 'arm',
            'leg') -> length factor. Defaults to 1.

    Returns:
        dict[str, np.ndarray]: Joint name -> ``[T, 3]`` positions in the
        body frame, root at the origin.
    """
    scale = scale or {}
    eye = np.broadcast_to(np.eye(3), (num_frames, 3, 3))
    orient: Dict[str, np.ndarray] = {}
    position: Dict[str, np.ndarray] = {}
    for name, (parent, offset) in REST_POSE.items():
        local = rotations.get(name)
        if parent is None:
            orient[name] = eye if local is None else np.broadcast_to(
                local, eye.shape)
            position[name] = np.zeros((num_frames, 3))
            continue
        orient[name] = (orient[parent] if local is None else
                        orient[parent] @ local)
        bone = np.asarray(offset) * scale.get(SEGMENT_OF[name], 1.0)
        position[name] = position[parent] + orient[name] @ bone
    return position
