import numpy as np
import pytest

from s2i_mm.datasets.splits import (
    parse_semi_split,
    resolve_split,
    semi_supervised_subset,
)
from s2i_mm.fileio import SkeletonDataError

from s2i_testing import run_python


def _labelled(counts):
    names, labels = [], []
    for label, count in enumerate(counts):
        for i in range(count):
            names.append(f'n{label}_{i:04d}')
            labels.append(label)
    return names, labels


def test_parse():
    assert parse_semi_split('xsub_train_1pct') == ('xsub_train', 1.0)
    assert parse_semi_split('train_0.5pct') == ('train', 0.5)
    assert parse_semi_split('xsub_train') is None


def test_class_balanced_and_at_least_one_per_class():
    names, labels = _labelled([400, 200, 30, 3])
    chosen = semi_supervised_subset(names, labels, 10, seed=0)
    per_class = np.bincount([int(n[1]) for n in chosen], minlength=4)
    np.testing.assert_array_equal(per_class, [40, 20, 3, 1])
    one = semi_supervised_subset(names, labels, 1, seed=0)
    assert np.bincount([int(n[1]) for n in one]).tolist() == [4, 2, 1, 1]


@pytest.mark.e2e
def test_deterministic_order_free_and_seeded():
    names, labels = _labelled([100, 100])
    a = semi_supervised_subset(names, labels, 10, seed=3)
    b = semi_supervised_subset(names[::-1], labels[::-1], 10, seed=3)
    assert a == b
    assert a != semi_supervised_subset(names, labels, 10, seed=4)
    # the same in a fresh interpreter (no hidden global state)
    code = ('from s2i_mm.datasets.splits import semi_supervised_subset as s;'
            f'print(s({names!r}, {labels!r}, 10, 3))')
    out = run_python(code).stdout
    assert out.strip() == repr(a)


def test_resolve_split_from_base_split():
    names, labels = _labelled([50, 50])
    splits = {'xsub_train': names[:80], 'xsub_val': names[80:]}
    by_name = dict(zip(names, labels))
    sub = resolve_split('xsub_train_10pct', splits, by_name, seed=0)
    assert set(sub) <= set(splits['xsub_train'])
    assert len(sub) == 8  # 5 of class 0's 50 and 3 of class 1's 30
    assert resolve_split('xsub_val', splits, by_name) == names[80:]
    with pytest.raises(KeyError, match='xsub_val'):
        resolve_split('xview_train_1pct', splits, by_name)


@pytest.mark.parametrize('splits,problem', [
    ({'train': ['a', 'zz']}, "'zz'"),
    ({'train': []}, 'empty'),
    ({'train': ['a', 'b', 'a']}, "'a' more than once"),
])
def test_bad_splits_are_named(splits, problem):
    labels = {'a': 0, 'b': 1}
    for name in ('train', 'train_50pct'):
        with pytest.raises(SkeletonDataError) as info:
            resolve_split(name, splits, labels, source='f.pkl')
        message = str(info.value)
        assert message.startswith('f.pkl: ') and problem in message
        assert "split 'train'" in message


def test_select_split_keeps_file_order_and_refuses_nothing():
    from s2i_mm.datasets.splits import select_split
    records = [dict(frame_dir=n) for n in ('a', 'b', 'c', 'd')]
    labels = dict(a=0, b=1, c=0, d=1)
    splits = dict(train=['c', 'a'], val=['b'])
    assert select_split(records, None, splits, labels) == records
    assert [r['frame_dir'] for r in select_split(
        records, 'train', splits, labels)] == ['a', 'c']
    (half, ) = select_split(records, 'train_50pct', splits, labels)
    assert half['frame_dir'] in ('a', 'c')  # one of class 0's two
    with pytest.raises(KeyError, match='f.pkl: no split'):
        select_split(records, 'test', splits, labels, source='f.pkl')
    with pytest.raises(SkeletonDataError, match='f.pkl: no samples'):
        select_split([], None, {}, {}, source='f.pkl')
