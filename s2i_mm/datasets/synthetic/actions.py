"""The synthetic action classes: joint-angle trajectories per class.

Each action maps a :class:`Motion` (time base and the per-sample random
amplitude, speed and phase) to one :class:`Actor` per person. The classes
differ in *which* limbs move and *how* (periodic or one-off, sideways or
forwards, one or both sides), so that they are told apart from the S2I
image of a sequence.

Angles are in degrees in the tables below and converted with
:func:`numpy.deg2rad`. See :mod:`.body_model` for the meaning of a bone
rotation key and for :func:`flex`/:func:`abduct`.
"""
from dataclasses import dataclass, field
from typing import Callable, Dict, List

import numpy as np

from .body_model import abduct, flex, rot_z

__all__ = ['Motion', 'Actor', 'ACTIONS', 'CLASSES', 'TWO_PERSON']


@dataclass
class Motion:
    """Time base and per-sample variation of one sequence.

    Attributes:
        seconds (np.ndarray): ``[T]`` time of each frame (30 fps).
        amp (float): Amplitude factor of every angle (about 1).
        speed (float): Factor of every frequency (about 1).
        phase (float): Phase of periodic movements, radians.
        onset (float): Shift of one-off movements in ``[-0.1, 0.1]`` of
            the duration.
    """
    seconds: np.ndarray
    amp: float = 1.0
    speed: float = 1.0
    phase: float = 0.0
    onset: float = 0.0

    @property
    def progress(self) -> np.ndarray:
        """``[T]`` in ``[0, 1]`` from the first to the last frame."""
        span = max(self.seconds[-1], 1e-6)
        return np.clip(self.seconds / span - self.onset, 0, 1)

    def wave(self, hertz: float) -> np.ndarray:
        """``sin`` at ``hertz * speed``, with the sample's phase."""
        return np.sin(2 * np.pi * hertz * self.speed * self.seconds +
                      self.phase)

    def envelope(self, ramp: float = 0.15) -> np.ndarray:
        """0 -> 1 -> 0 with smooth ramps over ``ramp`` of the duration."""
        u = self.progress
        return _smoothstep(np.minimum(u, 1 - u) / ramp)

    def bell(self) -> np.ndarray:
        """One smooth up-and-down over the sequence (``sin^2``)."""
        return np.sin(np.pi * self.progress)**2

    def rise(self, start: float = 0.2, length: float = 0.5) -> np.ndarray:
        """Smooth 0 -> 1 from ``start`` over ``length`` of the duration."""
        return _smoothstep((self.progress - start) / length)

    def deg(self, angle) -> np.ndarray:
        """Degrees to radians, times the amplitude factor."""
        return np.deg2rad(angle) * self.amp


def _smoothstep(x):
    x = np.clip(x, 0, 1)
    return x * x * (3 - 2 * x)


@dataclass
class Actor:
    """One person: bone rotations plus where the body is.

    Attributes:
        rotations (dict): Joint name -> ``[T, 3, 3]`` bone rotation.
        shift (np.ndarray): ``[T, 3]`` displacement of the body in its
            own starting frame (x left, y up, z forward), added after the
            feet are put on the ground (a jump lifts the body).
        yaw (np.ndarray): ``[T]`` turn about the vertical axis, radians.
    """
    rotations: Dict[str, np.ndarray]
    shift: np.ndarray = None
    yaw: np.ndarray = field(default=None)


def _arm(side, m, shoulder_flex=0, shoulder_abduct=0, elbow=0):
    """Rotations of one arm: shoulder swing forward/outward, elbow bend."""
    return {
        f'{side}_elbow':
        flex(m.deg(shoulder_flex)) @ abduct(m.deg(shoulder_abduct), side),
        f'{side}_wrist': flex(m.deg(elbow)),
    }


def _leg(side, m, hip_flex=0, knee=0, hip_abduct=0):
    """Rotations of one leg: hip swing forward/outward, knee bend."""
    return {
        f'{side}_knee':
        flex(m.deg(hip_flex)) @ abduct(m.deg(hip_abduct), side),
        f'{side}_ankle': flex(-m.deg(knee)),
    }


def wave(side):
    def action(m: Motion) -> List[Actor]:
        env = m.envelope()
        rot = _arm(side, m, shoulder_flex=20 * env,
                   shoulder_abduct=95 * env)
        sign = 1 if side == 'left' else -1
        # the forearm points up and swings from side to side
        rot[f'{side}_wrist'] = rot_z(
            sign * m.deg(env * (100 + 35 * m.wave(1.6))))
        return [Actor(rot)]
    return action


def clap(m: Motion) -> List[Actor]:
    env = m.envelope()
    apart = 0.5 + 0.5 * m.wave(2.0)  # 0 = hands together
    rot = {}
    for side in ('left', 'right'):
        rot.update(_arm(side, m, shoulder_flex=65 * env,
                        shoulder_abduct=env * (-12 + 38 * apart),
                        elbow=45 * env))
    return [Actor(rot)]


def punch(m: Motion) -> List[Actor]:
    env = m.envelope(0.1)
    strike = np.maximum(0, m.wave(1.3))**2
    rot = _arm('right', m, shoulder_flex=85 * env,
               elbow=env * 120 * (1 - strike))
    rot.update(_arm('left', m, shoulder_flex=45 * env, elbow=110 * env))
    return [Actor(rot)]


def kick(m: Motion) -> List[Actor]:
    env = m.envelope(0.1)
    kick = np.maximum(0, m.wave(0.9))
    rot = _leg('right', m, hip_flex=env * 75 * kick,
               knee=env * 70 * kick * (1 - kick))
    for side in ('left', 'right'):
        rot.update(_arm(side, m, shoulder_abduct=25 * env, elbow=30 * env))
    return [Actor(rot)]


def squat(m: Motion) -> List[Actor]:
    env = m.envelope(0.1)
    depth = env * (0.5 - 0.5 * np.cos(2 * np.pi * 0.6 * m.speed *
                                       m.seconds + m.phase))
    rot = {'spine_mid': flex(-m.deg(25 * depth))}
    for side in ('left', 'right'):
        rot.update(_leg(side, m, hip_flex=100 * depth, knee=115 * depth))
        rot.update(_arm(side, m, shoulder_flex=85 * env))
    return [Actor(rot)]


def jump(m: Motion) -> List[Actor]:
    env = m.envelope(0.1)
    cycle = m.wave(0.9)
    air, crouch = np.maximum(0, cycle) * env, np.maximum(0, -cycle) * env
    rot = {}
    for side in ('left', 'right'):
        rot.update(_leg(side, m, hip_flex=50 * crouch, knee=80 * crouch))
        rot.update(_arm(side, m, shoulder_flex=150 * air - 30 * crouch))
    shift = np.zeros((len(m.seconds), 3))
    shift[:, 1] = 0.3 * m.amp * air
    return [Actor(rot, shift=shift)]


def bow(m: Motion) -> List[Actor]:
    bend = m.bell()
    return [Actor({'spine_mid': flex(-m.deg(70 * bend)),
                   'neck': flex(-m.deg(15 * bend))})]


def raise_both_arms(m: Motion) -> List[Actor]:
    up = m.bell()
    rot = {}
    for side in ('left', 'right'):
        rot.update(_arm(side, m, shoulder_flex=15 * up,
                        shoulder_abduct=165 * up))
    return [Actor(rot)]


def walk_in_place(m: Motion) -> List[Actor]:
    env = m.envelope()
    step = m.wave(0.9)
    rot = {}
    for side, sign in (('left', 1), ('right', -1)):
        lift = np.maximum(0, sign * step) * env
        rot.update(_leg(side, m, hip_flex=45 * lift, knee=70 * lift))
        rot.update(_arm(side, m, shoulder_flex=-30 * sign * step * env,
                        elbow=20 * env))
    return [Actor(rot)]


def turn_around(m: Motion) -> List[Actor]:
    turn = m.rise(0.15, 0.7)
    step = m.wave(1.5) * np.sin(np.pi * turn)
    rot = {}
    for side, sign in (('left', 1), ('right', -1)):
        lift = np.maximum(0, sign * step)
        rot.update(_leg(side, m, hip_flex=20 * lift, knee=35 * lift))
    return [Actor(rot, yaw=np.deg2rad(180) * turn)]


def sit_down(m: Motion) -> List[Actor]:
    down = m.rise(0.15, 0.55)
    rot = {'spine_mid': flex(-m.deg(12 * down))}
    for side in ('left', 'right'):
        rot.update(_leg(side, m, hip_flex=90 * down, knee=90 * down))
        rot.update(_arm(side, m, shoulder_flex=35 * down, elbow=30 * down))
    return [Actor(rot)]


def _facing(distance: float, num_frames: int) -> Dict[str, np.ndarray]:
    """Placement of a second person ``distance`` ahead, facing back."""
    shift = np.zeros((num_frames, 3))
    shift[:, 2] = distance
    return dict(shift=shift, yaw=np.full(num_frames, np.pi))


def handshake(m: Motion) -> List[Actor]:
    reach = m.rise(0.1, 0.3) * (1 - m.rise(0.75, 0.2))
    shake = 8 * m.wave(2.5) * reach

    def person():
        return _arm('right', m, shoulder_flex=55 * reach + shake,
                    elbow=35 * reach)

    return [Actor(person()), Actor(person(), **_facing(0.95, len(reach)))]


def push(m: Motion) -> List[Actor]:
    t = len(m.seconds)
    reach = m.rise(0.1, 0.3)
    hit = m.rise(0.4, 0.25)
    pusher = {}
    for side in ('left', 'right'):
        pusher.update(_arm(side, m, shoulder_flex=80 * reach,
                           elbow=90 * reach * (1 - hit)))
    forward = np.zeros((t, 3))
    forward[:, 2] = 0.15 * hit
    pushed = {'spine_mid': flex(m.deg(20 * hit))}
    for side in ('left', 'right'):
        pushed.update(_arm(side, m, shoulder_flex=40 * hit,
                           shoulder_abduct=30 * hit))
    place = _facing(0.75, t)
    place['shift'][:, 2] += 0.5 * hit * m.amp  # staggers backwards
    return [Actor(pusher, shift=forward), Actor(pushed, **place)]


#: class name -> action; the label is the position in this table
ACTIONS: Dict[str, Callable[[Motion], List[Actor]]] = {
    'wave_left': wave('left'),
    'wave_right': wave('right'),
    'clap': clap,
    'punch': punch,
    'kick': kick,
    'squat': squat,
    'jump': jump,
    'bow': bow,
    'raise_both_arms': raise_both_arms,
    'walk_in_place': walk_in_place,
    'turn_around': turn_around,
    'sit_down': sit_down,
    'handshake': handshake,
    'push': push,
}
CLASSES = tuple(ACTIONS)
TWO_PERSON = ('handshake', 'push')
