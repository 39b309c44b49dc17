"""Derived S2I orders and trees of the built-in formats."""
import pytest

from s2i_mm.formats import BODY_PARTS, get_format


def test_ntu25_order_matches_the_paper_layout():
    fmt = get_format('ntu25')
    # torso head -> pelvis; hand tip before thumb (see builtin_formats.py)
    assert fmt.s2i_order == [
        3, 2, 20, 1, 0,  # torso
        4, 5, 6, 7, 21, 22,  # left arm
        8, 9, 10, 11, 23, 24,  # right arm
        12, 13, 14, 15,  # left leg
        16, 17, 18, 19,  # right leg
    ]
    assert fmt.center == 20
    assert fmt.num_joints == 25
    names = [fmt.joint_names[j] for j in fmt.s2i_order[:5]]
    assert names == [
        'head', 'neck', 'spine_shoulder', 'spine_mid', 'spine_base'
    ]


def test_kinect20_order():
    assert get_format('kinect20').s2i_order == [
        3, 2, 1, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19
    ]


def test_lcrnet13_order():
    # torso = head; arms shoulder->wrist; legs hip->ankle
    assert get_format('lcrnet13').s2i_order == [
        12, 11, 9, 7, 10, 8, 6, 5, 3, 1, 4, 2, 0
    ]


def test_coco17_order_and_channels():
    fmt = get_format('coco17')
    # face: each branch from its tip down to the nose
    assert fmt.s2i_order == [
        3, 1, 4, 2, 0, 5, 7, 9, 6, 8, 10, 11, 13, 15, 12, 14, 16
    ]
    assert fmt.channels == ('x', 'y', 'score')


def test_the_three_kinect_v1_layouts_give_the_same_s2i_columns():
    """kinect20 (NW-UCLA), msr20 (MSR-Action3D) and utd20 (UTD-MHAD) store
    the same 20 joints in different orders: their S2I columns hold the
    same joints, and their trees are the same."""
    columns, bones = {}, {}
    for name in ('kinect20', 'msr20', 'utd20'):
        fmt = get_format(name)
        columns[name] = [fmt.joint_names[j] for j in fmt.s2i_order]
        bones[name] = sorted((fmt.joint_names[c], fmt.joint_names[p])
                             for c, p in fmt.bones)
        assert fmt.joint_names[fmt.center] == 'shoulder_center'
    assert columns['msr20'] == columns['kinect20']
    assert columns['utd20'] == columns['kinect20']
    assert columns['kinect20'][:4] == [
        'head', 'shoulder_center', 'spine', 'hip_center']
    assert bones['msr20'] == bones['kinect20'] == bones['utd20']
    # really other storage orders (the datasets' own)
    assert get_format('msr20').joint_names[:3] == [
        'left_shoulder', 'right_shoulder', 'shoulder_center']
    assert get_format('utd20').joint_names[:2] == ['head', 'shoulder_center']


@pytest.mark.parametrize(
    'name', ['ntu25', 'kinect20', 'msr20', 'utd20', 'lcrnet13', 'coco17'])
def test_builtin_consistency(name):
    fmt = get_format(name)
    assert sorted(fmt.s2i_order) == list(range(fmt.num_joints))
    assert len(fmt.bones) == fmt.num_joints - 1
    for child, parent in fmt.bones:
        assert fmt.parents[child] == parent
    # columns come grouped by part in the paper's part order
    parts = [fmt.parts[j] for j in fmt.s2i_order]
    assert [p for p, _, _ in fmt.part_spans] == list(BODY_PARTS)
    for part, start, stop in fmt.part_spans:
        assert set(parts[start:stop]) == {part}
    # limbs run proximal -> distal: a joint's parent column comes first
    column = {joint: c for c, joint in enumerate(fmt.s2i_order)}
    for child, parent in fmt.bones:
        if fmt.parts[child] == fmt.parts[parent] != 'torso':
            assert column[parent] < column[child]


def test_ntu25_bones_match_mmaction2_graph():
    from mmaction.models.utils.graph import Graph
    graph = Graph(layout='nturgb+d')
    assert sorted(get_format('ntu25').bones) == sorted(graph.inward)
    assert get_format('ntu25').center == graph.center
    coco = Graph(layout='coco')
    assert sorted(get_format('coco17').bones) == sorted(coco.inward)
