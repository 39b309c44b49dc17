"""SkeletonFormat: derivation rules and validation errors."""
import numpy as np
import pytest

from s2i_mm.formats import SkeletonFormat, SkeletonFormatError


def small(**overrides):
    """A 7-joint layout rooted at the pelvis."""
    cfg = dict(
        name='small',
        joint_names=['pelvis', 'chest', 'head', 'l_hand', 'r_hand', 'l_foot',
                     'r_foot'],
        parents=[None, 'pelvis', 'chest', 'chest', 'chest', 'pelvis',
                 'pelvis'],
        parts=['torso', 'torso', 'torso', 'left_arm', 'right_arm',
               'left_leg', 'right_leg'])
    cfg.update(overrides)
    return SkeletonFormat(**cfg)


def test_pelvis_rooted_torso_runs_head_to_pelvis():
    fmt = small()
    assert fmt.center == 0
    assert fmt.parents == [None, 0, 1, 1, 1, 0, 0]
    assert fmt.s2i_order == [2, 1, 0, 3, 4, 5, 6]
    assert fmt.bones == [(1, 0), (2, 1), (3, 1), (4, 1), (5, 0), (6, 0)]
    np.testing.assert_array_equal(fmt.parent_index, [0, 0, 1, 1, 1, 0, 0])


def test_branches_stay_contiguous_depth_first():
    names = ['root', 'hand', 'f1a', 'f2a', 'f1b', 'f2b']
    fmt = SkeletonFormat(
        'fingers', names,
        parents=[None, 'root', 'hand', 'hand', 'f1a', 'f2a'],
        parts=['torso'] + ['left_arm'] * 5)
    # finger 1 (f1a, f1b) completely before finger 2
    assert fmt.s2i_order == [0, 1, 2, 4, 3, 5]


def test_explicit_order_overrides_and_may_use_names():
    order = ['head', 'chest', 'pelvis', 'r_hand', 'l_hand', 'l_foot',
             'r_foot']
    fmt = small(s2i_order=order)
    assert fmt.s2i_order == [2, 1, 0, 4, 3, 5, 6]
    assert fmt.explicit_order
    assert fmt.to_dict()['s2i_order'] == [2, 1, 0, 4, 3, 5, 6]


@pytest.mark.parametrize('overrides, message', [
    (dict(parents=[None, None, 1, 1, 1, 0, 0]), 'exactly one joint'),
    (dict(parents=[2, 0, 1, 1, 1, 0, 0]), 'exactly one joint'),
    (dict(parents=[None, 2, 1, 1, 1, 0, 0]), 'cycle'),
    (dict(parents=[None, 0, 1, 1, 1, 0, 9]), 'outside 0..6'),
    (dict(parents=[None, 0, 'neck', 1, 1, 0, 0]), "unknown joint 'neck'"),
    (dict(parts=['torso'] * 6 + ['tail']), "part 'tail'"),
    (dict(parts=['torso'] * 6), '7 joint names but 7 parents and 6 parts'),
    (dict(joint_names=['a', 'b', 'c', 'd', 'e', 'a', 'g']),
     "'a' is used twice"),
    (dict(s2i_order=[0, 1, 2, 3, 4, 5, 5]), 'permutation'),
    (dict(s2i_order=[0, 1, 2]), 'permutation'),
    (dict(joint_names=[], parents=[], parts=[]), 'no joints'),
    (dict(name=''), 'non-empty string name'),
])
def test_invalid_formats_raise_clear_errors(overrides, message):
    with pytest.raises(SkeletonFormatError, match=message) as err:
        small(**overrides)
    if overrides.get('name', 'small'):
        assert "'small'" in str(err.value)


def test_equality_ignores_source():
    assert small(source='a') == small(source='b')
    assert small() != small(s2i_order=list(range(7)))
