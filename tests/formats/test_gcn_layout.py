"""A skeleton format as mmaction2's GCN graph layout: the layout dict, and
the adjacency mmaction2's ``Graph`` builds from it, against the format's
own tables."""
import importlib

import numpy as np
import pytest
from mmaction.models.utils.graph import Graph
from mocap30_layout import MOCAP30, write_plugin_module, write_yaml_spec

from s2i_mm.formats import (
    MMACTION_LAYOUTS,
    SkeletonFormatError,
    gcn_graph_cfg,
    gcn_layout,
    get_format,
)

# the centre joint of each format, by name (from the layout tables of
# builtin_formats.py / the mocap spec, not from the code under test)
CENTRES = dict(kinect20='shoulder_center', ntu25='spine_shoulder',
               lcrnet13='head', mocap30_gcn='hips')


@pytest.fixture(params=['kinect20', 'ntu25', 'lcrnet13', 'spec'])
def reference(request, tmp_path):
    """A built-in format name, or the path of a 30-joint yaml spec."""
    if request.param == 'spec':
        return write_yaml_spec(tmp_path / 'mocap30.yaml', 'mocap30_gcn')
    return request.param


def _named_edges(fmt):
    """Undirected joint-name pairs of the format's bones."""
    return {frozenset((fmt.joint_names[c], fmt.joint_names[p]))
            for c, p in fmt.bones}


def test_layout_is_the_formats_bones_and_centre(reference):
    fmt = get_format(reference)
    layout = gcn_layout(reference)
    assert set(layout) == {'num_node', 'inward', 'center'}
    assert layout['num_node'] == fmt.num_joints
    assert layout['center'] == fmt.center
    assert fmt.joint_names[layout['center']] == CENTRES[fmt.name]
    # inward: (child, parent), one pair per joint but the centre
    assert sorted(layout['inward']) == sorted(fmt.bones)
    assert len(layout['inward']) == fmt.num_joints - 1
    for child, parent in layout['inward']:
        assert fmt.parents[child] == parent
        assert type(child) is int and type(parent) is int  # plain data


def test_the_spec_file_layout_follows_the_spec_tables(tmp_path):
    """Read against the spec's rows (names, parents by name) directly."""
    path = write_yaml_spec(tmp_path / 'mocap30.yaml', 'mocap30_gcn')
    layout = gcn_layout(path)
    names = [row[0] for row in MOCAP30]
    expected = {(names.index(name), names.index(parent))
                for name, parent, _ in MOCAP30 if parent is not None}
    assert set(layout['inward']) == expected
    assert layout['num_node'] == 30 and layout['center'] == 0


@pytest.mark.parametrize('mode', ['spatial', 'stgcn_spatial'])
def test_mmaction_graph_adjacency_is_the_bones(reference, mode):
    """mmaction2's Graph built from the layout links exactly the bones, in
    both directions, in either partitioning."""
    fmt = get_format(reference)
    A = Graph(layout=gcn_layout(reference), mode=mode).A
    assert A.shape[1:] == (fmt.num_joints, fmt.num_joints)
    linked = np.abs(A).sum(0) > 0
    np.fill_diagonal(linked, False)
    pairs = {(int(i), int(j)) for i, j in zip(*np.nonzero(linked))}
    bones = {(c, p) for c, p in fmt.bones}
    assert pairs == bones | {(p, c) for c, p in bones}
    # and by joint name, from the format's parent table
    assert {frozenset((fmt.joint_names[i], fmt.joint_names[j]))
            for i, j in pairs} == _named_edges(fmt)


@pytest.mark.parametrize('name, upstream', [('ntu25', 'nturgb+d'),
                                            ('coco17', 'coco')])
@pytest.mark.parametrize('mode', ['spatial', 'stgcn_spatial'])
def test_formats_mirroring_an_upstream_layout_give_its_graph(
        name, upstream, mode):
    """ntu25 and coco17 follow mmaction2's own 'nturgb+d' / 'coco' tables:
    the same adjacency, direction (inward / outward subsets) included."""
    ours = Graph(layout=gcn_layout(name), mode=mode).A
    theirs = Graph(layout=upstream, mode=mode).A
    np.testing.assert_array_equal(ours, theirs)


def test_graph_cfg_names_a_format_or_an_upstream_layout(tmp_path):
    spec = write_yaml_spec(tmp_path / 'mocap30.yaml', 'mocap30_gcn')
    cfg = gcn_graph_cfg(dict(layout='kinect20', mode='stgcn_spatial',
                             max_hop=2))
    assert cfg == dict(layout=gcn_layout('kinect20'), mode='stgcn_spatial',
                       max_hop=2)
    assert gcn_graph_cfg(dict(layout=spec))['layout']['num_node'] == 30
    # registered by loading its spec, the format is found by its name too
    assert gcn_graph_cfg(dict(layout='mocap30_gcn')) == gcn_graph_cfg(
        dict(layout=spec))
    # an inline spec dict and a SkeletonFormat
    assert gcn_graph_cfg(dict(layout=get_format('lcrnet13')))[
        'layout'] == gcn_layout('lcrnet13')
    # mmaction2's own layouts are left as they are
    for name in MMACTION_LAYOUTS:
        assert gcn_graph_cfg(dict(layout=name)) == dict(layout=name)
    given = dict(layout=dict(num_node=2, inward=[(1, 0)], center=0))
    assert gcn_graph_cfg(given) == given
    with pytest.raises(SkeletonFormatError, match='kinect20'):
        gcn_graph_cfg(dict(layout='kinect21'))  # lists the known ones


def test_a_plugin_registered_format_is_a_graph_layout(tmp_path, monkeypatch):
    """A layout a user module registers (what custom_imports loads)."""
    write_plugin_module(tmp_path, 'gcn_layout_plugin', 'mocap30_plugin_gcn')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SkeletonFormatError):
        gcn_layout('mocap30_plugin_gcn')  # not imported yet
    importlib.import_module('gcn_layout_plugin')
    layout = gcn_layout('mocap30_plugin_gcn')
    names = [row[0] for row in MOCAP30]
    assert layout['num_node'] == 30
    assert {(names[c], names[p]) for c, p in layout['inward']} == {
        (name, parent) for name, parent, _ in MOCAP30 if parent is not None}
