"""The tools' entry point: expected failures as one ``error:`` line, the
traceback on request, other failures untouched, and only mmcv-lite's
known warning hidden."""
import sys
import warnings

import pytest

from s2i_mm.apis.tool_entry import known_warnings_hidden, tool_main
from s2i_mm.fileio.annotation import SkeletonDataError

from s2i_testing import FIXTURES, run_cmd


def raising(err):
    @tool_main
    def main(argv=None):
        raise err
    return main


def test_an_expected_failure_is_one_line_and_status_1(capsys):
    assert raising(SkeletonDataError('x.pkl: sample 3: bad'))([]) == 1
    assert capsys.readouterr().err == 'error: x.pkl: sample 3: bad\n'
    assert raising(FileNotFoundError(2, 'No such file or directory',
                                     'a.py'))([]) == 1
    assert capsys.readouterr().err == \
        'error: a.py: No such file or directory\n'


def test_debug_or_the_env_var_raises(monkeypatch):
    with pytest.raises(SkeletonDataError):
        raising(SkeletonDataError('bad'))(['--debug'])
    monkeypatch.setenv('S2I_MM_DEBUG', '1')
    with pytest.raises(SkeletonDataError):
        raising(SkeletonDataError('bad'))([])
    monkeypatch.setenv('S2I_MM_DEBUG', '0')
    assert raising(SkeletonDataError('bad'))([]) == 1


def test_an_unexpected_failure_keeps_its_traceback():
    with pytest.raises(KeyError):
        raising(KeyError('a bug'))([])


def test_the_status_of_main_is_returned():
    assert tool_main(lambda argv: None)([]) == 0
    assert tool_main(lambda argv: 3)([]) == 3


def test_only_the_known_warning_is_hidden():
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter('always')
        with known_warnings_hidden():
            warnings.warn('Fail to import ``MultiScaleDeformableAttention`` '
                          'from ``mmcv.ops.multi_scale_deform_attn``, You '
                          'should install ``mmcv`` rather than '
                          '``mmcv-lite`` if you need this module.')
            warnings.warn('something else')
    assert [str(w.message) for w in seen] == ['something else']


@pytest.mark.e2e
def test_a_tool_run_prints_neither_upstream_noise(tmp_path):
    """In a fresh process (warnings show once per process): neither
    mmcv-lite's warning nor a garbled checkpoint backend name."""
    import torch

    from s2i_mm.apis import init_recognizer
    from s2i_mm.datasets.synthetic import generate
    from s2i_mm.fileio.annotation import dump_annotation_file
    config = f'{FIXTURES}/configs/tiny_s2i_classifier.py'
    ann_file = str(tmp_path / 'set.pkl')
    dump_annotation_file(generate(num_per_class=1, formats=('ntu25', ),
                                  seed=0)['ntu25'], ann_file)
    ckpt = str(tmp_path / 'c.pth')
    torch.save(dict(state_dict=init_recognizer(config).state_dict()), ckpt)
    proc = run_cmd([sys.executable, 'tools/test.py', config, ckpt,
                    '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                    f'test_dataloader.dataset.ann_file={ann_file}',
                    'train_dataloader=None'])
    out = proc.stdout + proc.stderr
    assert 'mmcv-lite' not in out
    assert f'Loads checkpoint by local_weights_only backend from path: ' \
        f'{ckpt}' in out
    assert 'point_weights_only' not in out
