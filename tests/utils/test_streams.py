"""check_stream: a config's pipelines (and multi-stream model) must produce
the stream it declares; the tools refuse one that does not."""

import pytest
from mmengine.config import Config

from s2i_mm.utils.streams import StreamMismatchError, check_stream

from s2i_testing import FIXTURES, run_tool

TINY = f'{FIXTURES}/configs/tiny_s2i_classifier.py'


def _pipeline(modality):
    return [dict(type='PoseDecode'),
            dict(type='s2i_mm.SkeletonModality', modalities=modality),
            dict(type='S2IEncode')]


def _cfg(declared=None, train='j', test='j', **extra):
    cfg = dict(
        train_dataloader=dict(dataset=dict(pipeline=_pipeline(train))),
        test_dataloader=dict(dataset=dict(pipeline=_pipeline(test))),
        **extra)
    if declared is not None:
        cfg['modality'] = declared
    return Config(cfg)


def test_agreeing_pipelines_give_the_stream_in_short_names():
    assert check_stream(_cfg('bone', train='b', test=['bone'])) == ('b', )
    assert check_stream(_cfg(None, train='m', test='motion')) == ('m', )
    assert check_stream(Config(dict(model=dict(type='X')))) is None


def test_declared_stream_the_pipelines_do_not_produce_is_refused():
    with pytest.raises(StreamMismatchError,
                       match=r"(?s)modality='b'.*test_dataloader\.dataset\."
                       r"pipeline\[1\] produces \('j',\).*stream_pipelines"):
        check_stream(_cfg('b', train='b', test='j'))


def test_train_and_test_streams_must_agree_without_a_declaration():
    with pytest.raises(StreamMismatchError, match='same stream'):
        check_stream(_cfg(None, train='b', test='j'))


def test_members_of_mixed_datasets_and_model_streams_are_checked():
    mixed = Config(dict(modality='j', train_dataloader=dict(dataset=dict(
        type='MixedFormatDataset', datasets=[
            dict(pipeline=_pipeline('j')), dict(pipeline=_pipeline('b'))]))))
    with pytest.raises(StreamMismatchError, match=r'datasets\[1\]'):
        check_stream(mixed)
    three = ('j', 'm', 'b')
    model = dict(type='MultiStreamS2IClassifier',
                 streams=dict(joint={}, bone={}, motion={}))
    with pytest.raises(StreamMismatchError, match='model.streams'):
        check_stream(_cfg(three, train=three, test=three, model=model))
    model['streams'] = dict(j={}, motion={}, b={})
    assert check_stream(_cfg(three, train=three, test=three,
                             model=model)) == three


def test_tools_refuse_a_child_that_only_sets_the_modality(tmp_path):
    """The issue's new-user case: `modality = 'b'` on top of a base whose
    pipelines were built from 'j' must not train on joints silently."""
    child = tmp_path / 'bone_child.py'
    child.write_text(f"_base_ = [{TINY!r}]\nmodality = 'b'\n")
    proc = run_tool('tools/train.py', child, '--work-dir', tmp_path / 'work',
                    check=False)
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr
    assert "error: The config declares modality='b'" in proc.stderr
    assert not (tmp_path / 'work').exists()  # refused before anything ran
