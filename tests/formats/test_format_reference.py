"""The one rule for how a data file records its skeleton format and how it
is resolved (s2i_mm.formats.format_reference), as a unit, in
SkeletonDataset (cached or not) and in tools/data/pack.py. The tools and the
inference API on files recording each variant: test_recorded_formats.py."""
import itertools
import json
import os
import pickle

import numpy as np
import pytest
from mocap30_layout import mocap_annotations, mocap_spec, write_yaml_spec

from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio import SkeletonDataError
from s2i_mm.formats import (
    FORMATS,
    NTU25,
    SkeletonFormatError,
    get_format,
    rebase_format_reference,
    record_format_reference,
    resolve_format_reference,
)

from s2i_testing import load_script

_names = itertools.count()


def fresh_name():
    """A layout name nothing registered yet (the registry is global)."""
    return f'mocap30_ref{next(_names)}_{os.getpid()}'


def test_given_or_recorded_alone():
    assert resolve_format_reference(None, 'ntu25') is NTU25
    assert resolve_format_reference('ntu25', None) is NTU25
    with pytest.raises(SkeletonFormatError, match='records none'):
        resolve_format_reference(None, None)


def test_a_name_only_a_spec_defines_agrees_with_that_spec(tmp_path):
    name = fresh_name()
    spec = write_yaml_spec(tmp_path / 'm.yaml', name)
    assert name not in FORMATS
    # the file records the name, the user names the spec
    fmt = resolve_format_reference(spec, name)
    assert fmt.name == name and FORMATS.get(name) is fmt
    # the file records the spec (relative to the file), the user the name
    other = fresh_name()
    write_yaml_spec(tmp_path / 'o.yaml', other)
    fmt = resolve_format_reference(other, 'o.yaml',
                                   recorded_in=str(tmp_path / 'x.pkl'))
    assert fmt.name == other and FORMATS.get(other) is fmt


def test_recorded_relative_spec_is_read_from_the_files_folder(
        tmp_path, monkeypatch):
    name = fresh_name()
    (tmp_path / 'data').mkdir()
    write_yaml_spec(tmp_path / 'data' / 'm.yaml', name)
    monkeypatch.chdir(tmp_path)  # a different folder than the file's
    fmt = resolve_format_reference(
        None, 'm.yaml', recorded_in=str(tmp_path / 'data' / 'x.pkl'))
    assert fmt.name == name
    with pytest.raises(SkeletonFormatError, match="spec 'm.yaml' given"):
        resolve_format_reference('m.yaml', None)  # given: from the cwd


def test_conflicts_and_unknowns_are_named(tmp_path):
    with pytest.raises(SkeletonFormatError,
                       match="holds 'ntu25' .*'kinect20' was given"):
        resolve_format_reference('kinect20', 'ntu25')
    name = fresh_name()
    with pytest.raises(SkeletonFormatError, match=(
            f"unknown skeleton format '{name}' recorded in the file.*"
            r'ntu25.*--skeleton-format.*custom_imports')):
        resolve_format_reference(None, name)
    with pytest.raises(SkeletonFormatError, match='neither the given'):
        resolve_format_reference(fresh_name(), name)
    # a spec of another name than the one recorded
    spec = write_yaml_spec(tmp_path / 'm.yaml', fresh_name())
    with pytest.raises(SkeletonFormatError,
                       match=f"recorded name '{name}' is not registered"):
        resolve_format_reference(spec, name)
    # two specs of one name but different layouts
    same = fresh_name()
    first = write_yaml_spec(tmp_path / 'first.yaml', same)
    other = mocap_spec(same)
    other['parts'] = other['parts'][::-1]
    resolve_format_reference(first, None)
    (tmp_path / 'second.json').write_text(json.dumps(other))
    with pytest.raises(SkeletonFormatError,
                       match='second.json.*different'):
        resolve_format_reference(first, 'second.json',
                                 recorded_in=str(tmp_path / 'x.pkl'))
    with pytest.raises(SkeletonFormatError, match='missing.yaml.*not found'):
        resolve_format_reference(None, 'missing.yaml',
                                 recorded_in=str(tmp_path / 'x.pkl'))


def test_writers_record_names_and_spec_paths_inside_their_folder(
        tmp_path):
    out = tmp_path / 'data' / 'set.pkl'
    assert record_format_reference('ntu25', str(out)) == 'ntu25'
    (tmp_path / 'data' / 'specs').mkdir(parents=True)
    name = fresh_name()
    inside = write_yaml_spec(tmp_path / 'data' / 'specs' / 'm.yaml', name)
    assert record_format_reference(inside, str(out)) == os.path.join(
        'specs', 'm.yaml')
    # a spec outside the file's folder: the file records the name (a data
    # file never records a path outside its folder)
    outside = write_yaml_spec(tmp_path / 'm.yaml', name)
    assert record_format_reference(outside, str(out)) == name
    # a store written elsewhere from that pkl: the name; beside it: a path
    assert rebase_format_reference(os.path.join('specs', 'm.yaml'), str(out),
                                   str(tmp_path / 'stores' / 'set')) == name
    assert rebase_format_reference(
        os.path.join('specs', 'm.yaml'), str(out),
        str(tmp_path / 'data' / 'store')) == os.path.join('specs', 'm.yaml')
    assert rebase_format_reference('ntu25', str(out), str(out)) == 'ntu25'


def _variant_files(tmp_path):
    """One dataset of a spec-only layout, recorded three ways."""
    name = fresh_name()
    spec = write_yaml_spec(tmp_path / 'mocap30.yaml', name)
    files = {
        'name': mocap_annotations(tmp_path / 'by_name.pkl', recorded=name),
        'spec': mocap_annotations(tmp_path / 'by_spec.pkl',
                                  recorded='mocap30.yaml'),
        'none': mocap_annotations(tmp_path / 'bare.pkl'),
    }
    return name, spec, files


@pytest.mark.parametrize('cache', [False, True])
def test_dataset_reads_every_variant_alike(tmp_path, cache):
    name, spec, files = _variant_files(tmp_path)
    given = {'name': spec, 'spec': None, 'none': spec}
    samples = {}
    for variant, ann_file in files.items():
        dataset = SkeletonDataset(ann_file, split='val', cache=cache,
                                  skeleton_format=given[variant],
                                  cache_dir=str(tmp_path / 'cache'))
        assert dataset.format.name == name
        sample = dataset.get_data_info(1)
        assert sample['skeleton_format'] == name
        samples[variant] = sample['keypoint']
    np.testing.assert_array_equal(samples['name'], samples['spec'])
    np.testing.assert_array_equal(samples['name'], samples['none'])
    # the spec-recording file, given the name alone; with the cache, a
    # name nothing registered cannot find the cache: the file is read
    FORMATS.module_dict.pop(name)
    dataset = SkeletonDataset(files['spec'], split='val', cache=cache,
                              skeleton_format=name,
                              cache_dir=str(tmp_path / 'cache'))
    np.testing.assert_array_equal(dataset.get_data_info(1)['keypoint'],
                                  samples['spec'])
    with pytest.raises(SkeletonDataError, match='by_name.pkl.*unknown '
                       'skeleton format.*custom_imports'):
        FORMATS.module_dict.pop(name)
        SkeletonDataset(files['name'], cache=cache,
                        cache_dir=str(tmp_path / 'cache'))


def test_caches_of_one_name_and_two_layouts_are_two(tmp_path):
    """The cache key is the layout's definition, not its name."""
    name = fresh_name()
    ann_file = mocap_annotations(tmp_path / 'a.pkl')
    first = write_yaml_spec(tmp_path / 'first.yaml', name)
    kwargs = dict(split='val', cache_dir=str(tmp_path / 'cache'))
    SkeletonDataset(ann_file, skeleton_format=first, **kwargs)
    FORMATS.module_dict.pop(name)
    other = mocap_spec(name)
    other['s2i_order'] = list(range(30))
    (tmp_path / 'second.json').write_text(json.dumps(other))
    SkeletonDataset(ann_file, skeleton_format=str(tmp_path / 'second.json'),
                    **kwargs)
    assert len(os.listdir(tmp_path / 'cache')) == 2


def test_a_dataset_in_a_spawned_worker_registers_its_layout(tmp_path):
    name, spec, files = _variant_files(tmp_path)
    dataset = SkeletonDataset(files['spec'], split='val', cache=False)
    payload = pickle.dumps(dataset)
    FORMATS.module_dict.pop(name)  # a fresh process knows only built-ins
    worker_copy = pickle.loads(payload)
    assert get_format(worker_copy[0]['skeleton_format']) == dataset.format


def test_pack_records_the_spec_for_the_store(tmp_path, monkeypatch):
    name, spec, files = _variant_files(tmp_path)
    pack = load_script('tools/data/pack.py')
    store = tmp_path / 'store'  # beside the pkl and its spec
    assert pack.main([files['spec'], str(store)]) == 0
    FORMATS.module_dict.pop(name)
    monkeypatch.chdir('/')
    dataset = SkeletonDataset(str(store), split='val', cache=False)
    assert dataset.format.name == name
    # a store elsewhere records the layout's name: its reader gives the spec
    elsewhere = tmp_path / 'elsewhere' / 'store'
    assert pack.main([files['spec'], str(elsewhere)]) == 0
    FORMATS.module_dict.pop(name)
    with pytest.raises(SkeletonDataError, match=f'unknown.*{name}'):
        SkeletonDataset(str(elsewhere), split='val', cache=False)
    dataset = SkeletonDataset(str(elsewhere), split='val', cache=False,
                              skeleton_format=spec)
    assert dataset.format.name == name
    # a name given on the command line is recorded as such
    assert pack.main([files['none'], str(tmp_path / 'named'),
                      '--skeleton-format', spec]) == 0
    FORMATS.module_dict.pop(name)
    dataset = SkeletonDataset(str(tmp_path / 'named'), cache=False)
    assert dataset.format.name == name


def test_a_cache_hit_resolves_the_layout_as_reading_the_file_would(
        tmp_path):
    """The cache keeps the source's record: with the cache or without it,
    the same reference resolves, conflicts or gives way alike."""
    name, spec, files = _variant_files(tmp_path)
    kwargs = dict(split='val', cache_dir=str(tmp_path / 'cache'))
    build = SkeletonDataset(files['spec'], skeleton_format=spec, **kwargs)
    hit = SkeletonDataset(files['spec'], skeleton_format=spec, **kwargs)
    assert hit._store.path == build._store.path  # found, not rebuilt
    # a given layout that differs from the recorded one: refused by both
    other = mocap_spec(fresh_name())
    other['parts'] = other['parts'][::-1]
    (tmp_path / 'other.json').write_text(json.dumps(other))
    for cache in (True, False):
        with pytest.raises(SkeletonDataError, match='different layout'):
            SkeletonDataset(files['spec'], cache=cache,
                            skeleton_format=str(tmp_path / 'other.json'),
                            **kwargs)
    # the recorded spec moved away: a given spec takes over, with a
    # warning, in both runs; without one both fail alike
    os.rename(tmp_path / 'mocap30.yaml', tmp_path / 'moved.yaml')
    FORMATS.module_dict.pop(name)
    for cache in (True, False):
        with pytest.warns(UserWarning, match='not found'):
            dataset = SkeletonDataset(
                files['spec'], skeleton_format=str(tmp_path / 'moved.yaml'),
                cache=cache, **kwargs)
        assert dataset.format.name == name
        with pytest.raises(SkeletonDataError, match='mocap30.yaml.*not '
                           'found'):
            SkeletonDataset(files['spec'], cache=cache, **kwargs)


def test_a_recorded_format_that_is_no_string_is_one_clear_error(tmp_path):
    data = pickle.loads(open(mocap_annotations(tmp_path / 'a.pkl'),
                             'rb').read())
    data['skeleton_format'] = ['ntu25']
    (tmp_path / 'b.pkl').write_bytes(pickle.dumps(data))
    with pytest.raises(SkeletonDataError,
                       match="b.pkl: .*must be a string.*list"):
        SkeletonDataset(str(tmp_path / 'b.pkl'), cache=False)


def test_pack_keeps_the_files_spec_when_given_its_name(tmp_path):
    name, spec, files = _variant_files(tmp_path)
    pack = load_script('tools/data/pack.py')
    store = tmp_path / 'elsewhere' / 'store'
    assert pack.main([files['spec'], str(store), '--skeleton-format',
                      name]) == 0
    FORMATS.module_dict.pop(name)
    assert SkeletonDataset(str(store), cache=False,
                           skeleton_format=spec).format.name == name
    beside = tmp_path / 'store'
    assert pack.main([files['spec'], str(beside), '--skeleton-format',
                      name]) == 0
    FORMATS.module_dict.pop(name)
    assert SkeletonDataset(str(beside), cache=False).format.name == name
