"""tools/analysis/fuse_scores.py on hand-made dumps with known answers."""
import json
import pickle

import numpy as np
import pytest

from s2i_testing import load_script, run_tool

TOOL = 'tools/analysis/fuse_scores.py'
NAMES = ['s0', 's1', 's2', 's3']
LABELS = [0, 1, 2, 0]
# stream A is right on s0 and s2, stream B on s1 and s3 (50 % each); their
# mean is right on s1, s2 and s3 (75 %; per class 1/2, 1, 1)
A = [[.6, .3, .1], [.5, .4, .1], [.1, .2, .7], [.3, .6, .1]]
B = [[.2, .7, .1], [.1, .8, .1], [.2, .5, .3], [.7, .2, .1]]


def write_dump(path, scores, names=NAMES, labels=LABELS, order=None):
    """A dump as tools/test.py --dump writes it, rows in ``order``."""
    order = list(range(len(names))) if order is None else order
    with open(path, 'wb') as f:
        pickle.dump(dict(
            scores=np.array([scores[i] for i in order], np.float32),
            labels=np.array([labels[i] for i in order], np.int64),
            sample_idx=np.array(order, np.int64),
            frame_dir=[names[i] for i in order]), f)
    return str(path)


def _last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.fixture(scope='module')
def tool():
    return load_script(TOOL)


@pytest.fixture
def fuse(tool, capsys):
    """Run the tool's main() here (the command line is tested once as a
    subprocess): ``(exit code, stdout, stderr, last JSON line)``."""
    def run(*args):
        code = tool.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err, _last_json(out) if code == 0 else None
    return run


def _known_fusion(tmp_path, mode, run):
    a = write_dump(tmp_path / 'a.pkl', A)
    b = write_dump(tmp_path / 'b.pkl', B, order=[3, 1, 0, 2])
    out = tmp_path / 'fused.pkl'
    stdout, result = run(a, b, '--names', 'A', 'B', '--mode', mode, '--out',
                         out)
    assert result['streams']['A']['top1'] == 50
    assert result['streams']['B']['top1'] == 50
    assert result['fusion']['top1'] == 75
    assert result['fusion']['mean_class'] == pytest.approx(250 / 3)
    assert result['weights'] == [1, 1]
    assert 'fusion' in stdout and 'top-5' in stdout  # the table
    with open(out, 'rb') as f:
        fused = pickle.load(f)
    assert fused['frame_dir'] == NAMES and fused['labels'].tolist() == LABELS
    assert fused['sample_idx'].tolist() == [0, 1, 2, 3]
    a, b = np.array(A), np.array(B)
    expected = (a + b) / 2 if mode == 'prob' else np.sqrt(a * b)
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(fused['scores'], expected, rtol=1e-5)


def test_command_line_known_fused_accuracy(tmp_path):
    def run(*args):
        proc = run_tool(TOOL, *args)
        return proc.stdout, _last_json(proc.stdout)
    _known_fusion(tmp_path, 'prob', run)


@pytest.mark.parametrize('mode', ['prob', 'logit'])
def test_known_fused_accuracy_whatever_the_row_order(tmp_path, mode, fuse):
    _known_fusion(tmp_path, mode, lambda *a: fuse(*a)[1::2])


def _planted(num):
    """Two-class samples, each right under the fusion (label 0) iff one
    bound on the weights of three streams holds: 0.15 < w1 < 0.25 and
    0.45 < w2 < 0.55 (weights summing to 1); on the 0.1 grid only
    (0.2, 0.5, 0.3) meets all four."""
    margins = [(.85, -.15, -.15), (-.75, .25, .25), (-.45, .55, -.45),
               (.55, -.45, .55)]
    streams = [[[(1 + m[s]) / 2, (1 - m[s]) / 2] for m in margins]
               for s in range(3)]
    names = [f'{num}_{i}' for i in range(len(margins))]
    return streams, names, [0] * len(margins)


def test_weight_search_finds_the_planted_weights(tmp_path, fuse):
    val, val_names, labels = _planted('val')
    test, test_names, _ = _planted('test')
    val_dumps = [write_dump(tmp_path / f'val_{s}.pkl', val[s], val_names,
                            labels) for s in range(3)]
    test_dumps = [write_dump(tmp_path / f'test_{s}.pkl', test[s],
                             test_names, labels) for s in range(3)]
    *_, result = fuse(*test_dumps, '--search', *val_dumps)
    assert result['weights'] == pytest.approx([.2, .5, .3])
    assert result['searched_on']['top1'] == 100
    assert result['fusion']['top1'] == 100  # the searched weights applied
    *_, equal = fuse(*test_dumps)  # equal weights miss two of the bounds
    assert equal['fusion']['top1'] == 50


def test_refuses_different_samples_naming_the_first(tmp_path, fuse):
    a = write_dump(tmp_path / 'a.pkl', A)
    b = write_dump(tmp_path / 'b.pkl', B[:2] + B[3:],
                   names=['s0', 's1', 's3'], labels=[0, 1, 0])
    code, _, err, _ = fuse(a, b)
    assert code == 2
    assert f"sample 's2' is in {a} but not in {b}" in err


def test_refuses_disagreeing_labels_naming_the_sample(tmp_path, fuse):
    a = write_dump(tmp_path / 'a.pkl', A)
    b = write_dump(tmp_path / 'b.pkl', B, labels=[0, 1, 2, 1])
    out = tmp_path / 'fused.pkl'
    code, _, err, _ = fuse(a, b, '--out', out)
    assert code == 2
    assert f"sample 's3' has label 0 in {a} but 1 in {b}" in err
    assert not out.exists()


class _RunsCode:
    def __reduce__(self):
        return (exec, ("open('RAN', 'w').write('ran')", ))


def test_a_dump_that_names_a_function_is_refused_unrun(tmp_path, fuse,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = write_dump(tmp_path / 'a.pkl', A)
    bad = tmp_path / 'bad.pkl'
    bad.write_bytes(pickle.dumps(dict(scores=_RunsCode(), labels=LABELS,
                                      frame_dir=NAMES)))
    code, _, err, _ = fuse(a, bad)
    assert code == 2
    assert str(bad) in err and 'refused' in err
    assert not (tmp_path / 'RAN').exists()


def test_a_damaged_dump_is_one_error_naming_it(tmp_path, fuse):
    a = write_dump(tmp_path / 'a.pkl', A)
    blob = (tmp_path / 'a.pkl').read_bytes()
    for i, cut in enumerate((len(blob) // 3, len(blob) - 2)):
        bad = tmp_path / f'bad{i}.pkl'
        bad.write_bytes(blob[:cut])
        code, _, err, _ = fuse(a, bad)
        assert code == 2 and f'cannot read the dump: {bad}' in err, err
