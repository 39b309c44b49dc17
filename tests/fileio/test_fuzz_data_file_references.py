"""Property-based fuzzing of what a data file names (see tests/fuzzing.py):
the skeleton format it records, and its sample names.

* Recorded format: each example writes an annotation file (or a packed
  store's ``meta.json``) whose ``skeleton_format`` is drawn among hostile
  references (a ``.py`` spec in any spelling, ``..`` and absolute paths,
  ``~``, YAML with Python tags anywhere, ``_base_`` includes, symlinks out
  of the folder, NUL, very long or missing paths) and benign ones (a
  YAML/JSON spec in the folder), with or without a layout the user gives,
  and opens it as a dataset (cached or not), a packed store or an
  inference input.
* Sample names: each example writes a file whose ``frame_dir`` names are
  drawn by :func:`fuzzing.sample_name`, opens it as a dataset (cached or
  not) and writes one file per sample named by
  :func:`~s2i_mm.fileio.sample_file_name`, as tools/visualize_s2i.py does.

Every outcome is valid data or one :class:`SkeletonDataError` whose message
starts with the file's path; no Python the file names ever runs (a marker
file stays absent); nothing is written outside the data's folder (its
cache) and the output folder; data read from a hostile reference uses the
layout the user gave, never the one the file names.
"""
import itertools
import json
import os
import pickle
import warnings

import numpy as np
import pytest
import yaml
from fuzzing import fuzz_settings, record, sample_name
from hypothesis import given
from hypothesis import strategies as st
from mocap30_layout import mocap_annotations, mocap_spec

from s2i_mm.apis.inference import load_keypoints
from s2i_mm.datasets import SkeletonDataset
from s2i_mm.fileio import SkeletonDataError, sample_file_name, write_store

CI_EXAMPLES = 40
NAME_EXAMPLES = 25  # a cached dataset per example
_counter = itertools.count()

#: how each kind of recorded reference may end: valid data, or refused
BENIGN = ('spec in the folder', 'spec in a subfolder')


@pytest.fixture(scope='module')
def root(tmp_path_factory):
    return tmp_path_factory.mktemp('fuzz_references')


def _fresh():
    return f'mocap30_fuzz{next(_counter)}_{os.getpid()}'


def _files(folder):
    return {p for p in folder.rglob('*') if not p.is_dir()}


def _python(path, marker):
    """A Python spec that leaves ``marker`` behind if it ever runs."""
    path.write_text(f'open({str(marker)!r}, "w").close()\n'
                    + ''.join(f'{k} = {v!r}\n'
                              for k, v in mocap_spec(_fresh()).items()))
    return path


def _spec(path, fmt='yaml', **extra):
    spec = dict(mocap_spec(_fresh()), **extra)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec) if fmt == 'json' else
                    yaml.safe_dump(spec))
    return path


def recorded_reference(draw, case):
    """A ``skeleton_format`` record for a file in ``case / 'data'``; the
    files it names are made; returns ``(reference, kind)``."""
    data, outside, marker = case / 'data', case / 'outside', case / 'ran'
    outside.mkdir()
    kind = draw(st.sampled_from([
        'python spec', 'parent path', 'absolute path', 'home path',
        'python tag', '_base_ include', 'symlink out', 'symlink to python',
        'missing spec', 'odd string', *BENIGN]), label='kind')
    ending = draw(st.sampled_from(['.yaml', '.yml', '.json', '.YAML']),
                  label='ending')
    if kind == 'python spec':
        name = 'spec' + draw(st.sampled_from(['.py', '.PY', '.Py']))
        _python(data / name, marker)
        reference = draw(st.sampled_from([name, f'./{name}',
                                          f'sub/../{name}']))
    elif kind == 'parent path':
        _spec(outside / f'far{ending}')
        depth = draw(st.integers(1, 3))
        reference = '/'.join(['sub'] * (depth - 1) + ['..'] * depth
                             + ['outside', f'far{ending}'])
    elif kind == 'absolute path':
        inside = draw(st.booleans())  # absolute is refused even inside
        reference = str(_spec((data if inside else outside) /
                              f'abs{ending}'))
    elif kind == 'home path':
        reference = f'~/s2i_fuzz_{_fresh()}{ending}'
    elif kind == 'python tag':
        tag = draw(st.sampled_from([
            f'!!python/object/apply:os.system ["touch {marker}"]',
            f'!!python/object/apply:builtins.open ["{marker}", "w"]',
            '!!python/name:os.system', '!!python/module:os']))
        spec = yaml.safe_dump(mocap_spec(_fresh()))
        where = draw(st.sampled_from(['top', 'value', 'list item']))
        text = {'top': f'{tag}\n',
                'value': spec.replace('source:', f'source: {tag}\n_x:'),
                'list item': spec + f'extra:\n- {tag}\n'}[where]
        (data / f'tag{ending}').write_text(text)
        reference = f'tag{ending}'
    elif kind == '_base_ include':
        _python(data / 'base.py', marker)
        base = draw(st.sampled_from(['base.py', ['base.py'], '../x.py',
                                     f'other{ending}']))
        _spec(data / f'other{ending}')
        _spec(data / f'with_base{ending}', 'json' if 'json' in ending
              else 'yaml', _base_=base)
        reference = f'with_base{ending}'
    elif kind in ('symlink out', 'symlink to python'):
        target = (_spec(outside / f'far{ending}') if kind == 'symlink out'
                  else _python(data / 'evil.py', marker))
        os.symlink(target, data / f'link{ending}')
        reference = f'link{ending}'
    elif kind == 'missing spec':
        reference = f'nowhere{ending}'
    elif kind == 'odd string':
        reference = draw(st.sampled_from([
            f'a\x00b{ending}', 'x' * 5000 + ending, ending, f'.{ending}',
            f'\udcff{ending}', f'{ending}/..{ending}', ' ' + ending]))
    else:  # benign: a spec file in the folder, or below it
        sub = 'specs/' if kind == 'spec in a subfolder' else ''
        _spec(data / f'{sub}mine{ending}', 'json' if 'json' in ending
              else 'yaml')
        reference = f'{sub}mine{ending}'
    return reference, kind


def _open(entry, source):
    if entry == 'inference input':
        return load_keypoints(source)[0]
    return SkeletonDataset(source, cache=entry == 'dataset (cached)',
                           skeleton_format=_open.given)


@fuzz_settings(CI_EXAMPLES)
@given(st.data())
def test_fuzz_recorded_format_references(root, data):
    case = root / f'case{next(_counter)}'
    (case / 'data').mkdir(parents=True)
    reference, kind = recorded_reference(data.draw, case)
    given_spec = (str(_spec(case / 'given.yaml'))
                  if data.draw(st.booleans(), label='format given')
                  else None)
    entry = data.draw(st.sampled_from(['dataset', 'dataset (cached)',
                                       'packed store', 'inference input']))
    source = mocap_annotations(case / 'data' / 'set.pkl', num=6,
                               recorded=reference)
    if entry == 'packed store':
        with open(source, 'rb') as f:
            write_store(pickle.load(f), str(case / 'data' / 'store'))
        os.remove(source)
        source = str(case / 'data' / 'store')
    if entry == 'inference input':
        given_spec = None  # the API's caller gives it as format=
    before = _files(case)
    _open.given = given_spec
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            result = _open(entry, source)
    except SkeletonDataError as err:
        assert str(err).startswith(source), str(err)[:300]
        record('recorded format', f'{kind}: refused')
    else:
        record('recorded format', f'{kind}: valid')
        assert len(result) > 0
        if kind not in BENIGN:
            # the file's hostile reference gave way to the user's layout
            assert given_spec is not None
            with open(given_spec) as f:
                assert result.format.name == yaml.safe_load(f)['name']
    assert not (case / 'ran').exists(), f'{kind}: code ran'
    written = _files(case) - before
    assert all(case / 'data' in p.parents for p in written), written


@fuzz_settings(NAME_EXAMPLES)
@given(st.data())
def test_fuzz_sample_names(root, data):
    case = root / f'names{next(_counter)}'
    (case / 'data').mkdir(parents=True)
    out = case / 'out' / 'pictures'
    out.mkdir(parents=True)
    names = [sample_name(data.draw)
             for _ in range(data.draw(st.integers(1, 4), label='samples'))]
    rng = np.random.default_rng(0)
    source = str(case / 'data' / 'set.pkl')
    with open(source, 'wb') as f:
        pickle.dump(dict(skeleton_format='ntu25', annotations=[
            dict(frame_dir=name, label=i, keypoint=rng.normal(
                size=(1, 3, 25, 3)).astype(np.float32))
            for i, name in enumerate(names)]), f)
    before = _files(case)
    try:
        dataset = SkeletonDataset(source, cache=data.draw(st.booleans()))
        infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    except SkeletonDataError as err:
        assert str(err).startswith(source), str(err)[:300]
        assert len(set(names)) < len(names)  # only repeated names fail
        record('sample names', 'refused')
    else:
        record('sample names', 'valid')
        assert [info['frame_dir'] for info in infos] == names
        for info in infos:  # as tools/visualize_s2i.py names its PNGs
            (out / sample_file_name(info['frame_dir'], '_s2i.png')
             ).write_bytes(b'png')
        assert len(list(out.iterdir())) == len(names)
    written = _files(case) - before
    assert all(case / 'data' in p.parents or p.parent == out
               for p in written), written
