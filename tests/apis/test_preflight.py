"""The checks of the files a config names, before the runner is built."""
import urllib.error
import urllib.request

import pytest
from mmengine.config import Config

from s2i_mm.apis.preflight import (
    PreflightError,
    check_checkpoint_files,
    check_data_files,
    check_remote_weights,
)


def test_data_files_of_wrapped_and_mixed_datasets(tmp_path):
    (tmp_path / 'a.pkl').write_bytes(b'x')
    cfg = Config(dict(
        train_dataloader=dict(dataset=dict(
            type='MixedFormatDataset', datasets=[
                dict(ann_file='a.pkl', data_root=str(tmp_path)),
                dict(type='RepeatDataset', dataset=dict(
                    ann_file=str(tmp_path / 'b.pkl')))])),
        val_dataloader=None,
        test_dataloader=dict(dataset=dict(ann_file=str(tmp_path / 'c.pkl')))))
    with pytest.raises(PreflightError) as err:
        check_data_files(cfg, ['train_dataloader', 'val_dataloader'])
    assert str(err.value).startswith(
        f"{tmp_path / 'b.pkl'}: no such data file (the config's "
        'train_dataloader.dataset.datasets.1.dataset.ann_file); convert '
        'your data')
    (tmp_path / 'b.pkl').write_bytes(b'x')
    check_data_files(cfg, ['train_dataloader', 'val_dataloader'])  # no test
    with pytest.raises(PreflightError, match='c.pkl: no such data file'):
        check_data_files(cfg, ['test_dataloader'])


def test_checkpoints_of_load_from_and_init_cfg(tmp_path):
    cfg = Config(dict(load_from=None, model=dict(backbone=dict(init_cfg=[
        dict(type='TruncNormal'),
        dict(type='Pretrained', checkpoint=str(tmp_path / 'enc.pth'))]))))
    with pytest.raises(PreflightError) as err:
        check_checkpoint_files(cfg)
    assert 'model.backbone.init_cfg.1.checkpoint' in str(err.value)
    check_checkpoint_files(cfg, init_weights=False)  # tools/test.py
    cfg.load_from = str(tmp_path / 'x.pth')
    with pytest.raises(PreflightError, match='x.pth: no such checkpoint'):
        check_checkpoint_files(cfg, init_weights=False)


def test_cached_weights_need_no_network(tmp_path, monkeypatch):
    import torch.hub
    url = 'https://example.invalid/weights/mae.pth'
    cfg = Config(dict(model=dict(init_cfg=dict(type='Pretrained',
                                               checkpoint=url))))

    def no_network(*args, **kwargs):
        raise urllib.error.URLError('no network here')
    monkeypatch.setattr(urllib.request, 'urlopen', no_network)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    with pytest.raises(PreflightError) as err:
        check_remote_weights(cfg)
    assert str(err.value).startswith(
        f"cannot download {url} (the config's model.init_cfg.checkpoint) "
        '(no network here): ')
    assert 'tools/convert_weights.py' in str(err.value)
    (tmp_path / 'checkpoints').mkdir()
    (tmp_path / 'checkpoints' / 'mae.pth').write_bytes(b'x')
    check_remote_weights(cfg)  # in the cache: not fetched again


def test_a_server_that_answers_with_an_error_counts_as_reached(
        monkeypatch, tmp_path):
    import torch.hub

    def refused(request, timeout):
        raise urllib.error.HTTPError(request.full_url, 405, 'no HEAD', {},
                                     None)
    monkeypatch.setattr(urllib.request, 'urlopen', refused)
    monkeypatch.setattr(torch.hub, 'get_dir', lambda: str(tmp_path))
    check_remote_weights(Config(dict(model=dict(init_cfg=dict(
        type='Pretrained', checkpoint='https://example.invalid/a.pth')))))
