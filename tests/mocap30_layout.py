"""A 30-joint mocap layout (BVH-like storage order) for the format tests:
its spec, a plugin module registering it, and toy data of it."""
import pickle
import textwrap

import numpy as np
import yaml

# (name, parent, part) in a BVH-like storage order: hips, legs, spine, arms
MOCAP30 = [
    ('hips', None, 'torso'),
    ('left_up_leg', 'hips', 'left_leg'),
    ('left_leg', 'left_up_leg', 'left_leg'),
    ('left_foot', 'left_leg', 'left_leg'),
    ('left_toe_base', 'left_foot', 'left_leg'),
    ('left_toe_end', 'left_toe_base', 'left_leg'),
    ('right_up_leg', 'hips', 'right_leg'),
    ('right_leg', 'right_up_leg', 'right_leg'),
    ('right_foot', 'right_leg', 'right_leg'),
    ('right_toe_base', 'right_foot', 'right_leg'),
    ('right_toe_end', 'right_toe_base', 'right_leg'),
    ('spine', 'hips', 'torso'),
    ('spine1', 'spine', 'torso'),
    ('spine2', 'spine1', 'torso'),
    ('neck', 'spine2', 'torso'),
    ('head', 'neck', 'torso'),
    ('left_shoulder', 'spine2', 'left_arm'),
    ('left_arm', 'left_shoulder', 'left_arm'),
    ('left_forearm', 'left_arm', 'left_arm'),
    ('left_hand', 'left_forearm', 'left_arm'),
    ('left_thumb', 'left_hand', 'left_arm'),
    ('left_index', 'left_hand', 'left_arm'),
    ('left_index_end', 'left_index', 'left_arm'),
    ('right_shoulder', 'spine2', 'right_arm'),
    ('right_arm', 'right_shoulder', 'right_arm'),
    ('right_forearm', 'right_arm', 'right_arm'),
    ('right_hand', 'right_forearm', 'right_arm'),
    ('right_thumb', 'right_hand', 'right_arm'),
    ('right_index', 'right_hand', 'right_arm'),
    ('right_index_end', 'right_index', 'right_arm'),
]
MOCAP30_ORDER = ([15, 14, 13, 12, 11, 0] + list(range(16, 23)) +
                 list(range(23, 30)) + list(range(1, 6)) + list(range(6, 11)))


def mocap_spec(name):
    return dict(name=name, joint_names=[r[0] for r in MOCAP30],
                parents=[r[1] for r in MOCAP30],
                parts=[r[2] for r in MOCAP30],
                source='test: BVH-style mocap skeleton')


def write_yaml_spec(path, name):
    with open(path, 'w') as f:
        yaml.safe_dump(mocap_spec(name), f)
    return str(path)


def write_plugin_module(directory, module, name):
    """A user module that registers the layout when imported."""
    code = f'''
        from s2i_mm.formats import SkeletonFormat, register_format
        SPEC = {mocap_spec(name)!r}
        MOCAP = register_format(SkeletonFormat(**SPEC))
    '''
    (directory / f'{module}.py').write_text(textwrap.dedent(code))


def mocap_annotations(path, num=12, frames=24, seed=0, recorded=None):
    """A toy mocap set: 3 classes moving a different limb; split ``train``
    holds every sample, ``val`` every other one; ``recorded`` is the
    ``skeleton_format`` the file records (none if None)."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(size=(30, 3)).astype(np.float32)
    limbs = [[16, 17, 18, 19], [23, 24, 25, 26], [1, 2, 3, 4]]
    annotations = []
    for i in range(num):
        label = i % 3
        t = np.linspace(0, 2 * np.pi, frames, dtype=np.float32)
        kp = np.repeat(rest[None, None], frames, axis=1)
        kp[0, :, limbs[label], 1] += np.sin(t)[None, :]
        kp += rng.normal(scale=0.01, size=kp.shape).astype(np.float32)
        annotations.append(dict(frame_dir=f'mocap_{i:03d}', label=label,
                                total_frames=frames, keypoint=kp))
    names = [a['frame_dir'] for a in annotations]
    data = dict(split=dict(train=names, val=names[1::2]),
                annotations=annotations)
    if recorded is not None:
        data['skeleton_format'] = recorded
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    return str(path)


