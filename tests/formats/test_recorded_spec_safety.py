"""A data file that records a spec path never runs code and never reaches
outside its folder: a recorded ``.py`` spec is not run, YAML is read with
the safe loader (no Python tags, no ``_base_``), a path outside the file's
folder (``..``, absolute, a symlink out) is not read. Through the rule
itself, SkeletonDataset (cached or not), a packed store and the inference
API's keypoint reader. A spec the *user* names still loads (.py included)."""
import json
import os
import pickle

import pytest
from mocap30_layout import mocap_annotations, mocap_spec, write_yaml_spec

from s2i_mm.apis.inference import load_keypoints
from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio import SkeletonDataError
from s2i_mm.formats import (
    FORMATS,
    SkeletonFormatError,
    load_format_spec,
    record_format_reference,
    resolve_format_reference,
)

from s2i_testing import load_script


def _names():
    n = 0
    while True:
        n += 1
        yield f'mocap30_safe{n}_{os.getpid()}'


_fresh = _names()


def _python_spec(path, marker, name):
    """A .py spec that leaves ``marker`` behind when it runs."""
    path.write_text(f'open({str(marker)!r}, "w").close()\n'
                    + ''.join(f'{k} = {v!r}\n'
                              for k, v in mocap_spec(name).items()))
    return path


def _hostile_specs(folder, outside, marker):
    """Recorded references that must never run or be read, by kind."""
    name = next(_fresh)
    _python_spec(folder / 'spec.py', marker, name)
    (folder / 'tag.yaml').write_text(
        f'!!python/object/apply:os.system ["touch {marker}"]\n')
    _python_spec(folder / 'base.py', marker, name)
    base = dict(mocap_spec(name), _base_='base.py')
    (folder / 'with_base.yaml').write_text(json.dumps(base))
    outside.mkdir(exist_ok=True)
    far = write_yaml_spec(outside / 'far.yaml', next(_fresh))
    os.symlink(far, folder / 'link.yaml')
    return {
        'python spec': 'spec.py',
        'python tag': 'tag.yaml',
        '_base_ include': 'with_base.yaml',
        'parent path': os.path.join('..', outside.name, 'far.yaml'),
        'absolute path': far,
        'symlink out': 'link.yaml',
    }


@pytest.fixture
def hostile(tmp_path):
    data = tmp_path / 'data'
    data.mkdir()
    marker = tmp_path / 'ran'
    return data, marker, _hostile_specs(data, tmp_path / 'out', marker)


REASONS = {
    'python spec': 'Python spec runs only when you name it',
    'python tag': 'Cannot read skeleton format spec',
    '_base_ include': r"unknown keys \['_base_'\]",
    'parent path': 'must stay inside',
    'absolute path': 'must stay inside',
    'symlink out': 'must stay inside',
}


def test_the_rule_refuses_every_hostile_record(hostile):
    data, marker, specs = hostile
    for kind, recorded in specs.items():
        with pytest.raises(SkeletonFormatError, match=REASONS[kind]):
            resolve_format_reference(None, recorded,
                                     recorded_in=str(data / 'x.pkl'))
        assert not marker.exists(), kind
        # with a layout given, that layout decides (samples are checked
        # against it), with a warning naming the recorded spec
        with pytest.warns(UserWarning, match='records the skeleton format'):
            assert resolve_format_reference(
                'ntu25', recorded,
                recorded_in=str(data / 'x.pkl')).name == 'ntu25'
        assert not marker.exists(), kind


@pytest.mark.parametrize('cache', [False, True])
def test_dataset_and_store_never_run_a_recorded_spec(hostile, tmp_path,
                                                     cache):
    data, marker, specs = hostile
    spec = write_yaml_spec(tmp_path / 'given.yaml', next(_fresh))
    for kind, recorded in specs.items():
        ann_file = mocap_annotations(data / 'set.pkl', recorded=recorded)
        with pytest.raises(SkeletonDataError,
                           match=f'set.pkl.*{REASONS[kind]}'):
            SkeletonDataset(ann_file, cache=cache,
                            cache_dir=str(tmp_path / 'cache'))
        with pytest.warns(UserWarning, match='records the skeleton format'):
            dataset = SkeletonDataset(ann_file, cache=cache,
                                      skeleton_format=spec,
                                      cache_dir=str(tmp_path / 'cache'))
        assert len(dataset) > 0
        assert not marker.exists(), kind


def test_a_packed_store_never_runs_the_spec_its_meta_records(hostile,
                                                             tmp_path):
    data, marker, specs = hostile
    spec = write_yaml_spec(tmp_path / 'given.yaml', next(_fresh))
    pack = load_script('tools/data/pack.py')
    store = data / 'store'
    assert pack.main([mocap_annotations(tmp_path / 'a.pkl'), str(store),
                      '--skeleton-format', spec]) == 0
    meta_file = store / 'meta.json'
    meta = json.loads(meta_file.read_text())
    for kind, recorded in specs.items():
        meta['skeleton_format'] = recorded
        meta_file.write_text(json.dumps(meta))
        with pytest.raises(SkeletonDataError,
                           match=f'store.*{REASONS[kind]}'):
            SkeletonDataset(str(store), cache=False)
        assert not marker.exists(), kind


def test_inference_input_never_runs_the_spec_it_records(hostile, tmp_path):
    data, marker, specs = hostile
    for kind, recorded in specs.items():
        ann_file = mocap_annotations(data / 'clip.pkl', recorded=recorded)
        with pytest.raises(SkeletonDataError, match=REASONS[kind]):
            load_keypoints(ann_file)
        assert not marker.exists(), kind


def test_a_spec_the_user_names_loads_python_included(tmp_path):
    marker = tmp_path / 'ran'
    name = next(_fresh)
    spec = _python_spec(tmp_path / 'mine.py', marker, name)
    assert resolve_format_reference(str(spec), None).name == name
    assert marker.exists()  # the user named it: it ran
    with pytest.raises(SkeletonFormatError, match='only when you name it'):
        load_format_spec(str(spec), allow_python=False)
    # the same Python spec recorded by the file and given by the user:
    # the given one decides, without a warning
    FORMATS.module_dict.pop(name)
    ann_file = mocap_annotations(tmp_path / 'set.pkl', recorded='mine.py')
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        dataset = SkeletonDataset(ann_file, cache=False,
                                  skeleton_format=str(spec))
    assert dataset.format.name == name


def test_writers_never_record_python_or_outside_paths(tmp_path):
    name = next(_fresh)
    out = tmp_path / 'data' / 'set.pkl'
    (tmp_path / 'data').mkdir()
    py = _python_spec(tmp_path / 'data' / 'mine.py', tmp_path / 'ran', name)
    assert record_format_reference(str(py), str(out)) == name
    yaml_outside = write_yaml_spec(tmp_path / 'm.yaml', name)
    assert record_format_reference(yaml_outside, str(out)) == name


def test_spec_data_files_parse_as_data(tmp_path):
    (tmp_path / 'list.yaml').write_text('- a\n- b\n')
    with pytest.raises(SkeletonFormatError, match='mapping'):
        load_format_spec(str(tmp_path / 'list.yaml'))
    (tmp_path / 'bad.json').write_text('{"name": ')
    with pytest.raises(SkeletonFormatError, match='bad.json'):
        load_format_spec(str(tmp_path / 'bad.json'))
    # pickle has no business in a spec either: a .pkl is not a spec path
    (tmp_path / 'x.pkl').write_bytes(pickle.dumps(mocap_spec('p')))
    with pytest.raises(SkeletonFormatError, match='unknown skeleton format'):
        resolve_format_reference(str(tmp_path / 'x.pkl'), None)


def test_a_spec_path_holding_nul_is_refused(tmp_path):
    """No path holds NUL: refused as any unusable spec (the OS functions
    would raise a bare ValueError; found by the fuzz suite)."""
    with pytest.raises(SkeletonFormatError, match='cannot hold a NUL'):
        resolve_format_reference(None, 'a\x00b.yaml',
                                 recorded_in=str(tmp_path / 'x.pkl'))
    with pytest.raises(SkeletonFormatError, match='given: a path cannot'):
        resolve_format_reference('a\x00b.yaml', None)
    with pytest.warns(UserWarning, match='cannot hold a NUL'):
        assert resolve_format_reference(
            'ntu25', 'a\x00b.yaml',
            recorded_in=str(tmp_path / 'x.pkl')).name == 'ntu25'
