"""Checks of the files a config names, run by the tools before they build
the runner (so before mmengine prints the config): the config itself, the
data files of the dataloaders the run uses, the checkpoints it loads and
the pretrained weights it downloads.

Each failed check raises :class:`PreflightError` with one line naming the
file, where the config names it and how to make it
(:mod:`s2i_mm.converters.layout` for data files, ``tools/convert_weights.py``
for ImageNet weights without network).
"""
import os.path as osp
import urllib.request
from typing import Any, Iterator, Optional, Sequence, Tuple
from urllib.error import HTTPError, URLError

from s2i_mm.converters.layout import making_command

__all__ = ['PreflightError', 'check_config_file', 'check_data_files',
           'check_checkpoint_files', 'check_remote_weights',
           'offline_weights_advice']

#: Seconds to wait for the server of pretrained weights that are not cached.
REMOTE_TIMEOUT = 10


class PreflightError(FileNotFoundError):
    """A file the run needs is missing or cannot be fetched."""


def _is_url(path: str) -> bool:
    return '://' in path


def check_config_file(path: str) -> None:
    """Raise :class:`PreflightError` unless ``path`` is a file."""
    if not osp.isfile(path):
        what = 'a folder, not a config file' if osp.isdir(
            path) else 'no such config file'
        raise PreflightError(f'{path}: {what}')


def _ann_files(node: Any, where: str) -> Iterator[Tuple[str, str]]:
    """``(path, where the config names it)`` of every ``ann_file`` under a
    dataset config (wrappers and mixed datasets included)."""
    if isinstance(node, dict):
        ann_file = node.get('ann_file')
        if isinstance(ann_file, str) and ann_file:
            root = node.get('data_root') or ''
            if root and not osp.isabs(ann_file):
                ann_file = osp.join(root, ann_file)
            yield ann_file, f'{where}.ann_file'
        for key, value in node.items():
            if key != 'pipeline':
                yield from _ann_files(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _ann_files(value, f'{where}.{i}')


def check_data_files(cfg, loaders: Sequence[str]) -> None:
    """Check that the data files of the dataloaders ``loaders`` exist.

    Args:
        cfg (Config): The merged config.
        loaders (Sequence[str]): The dataloaders the run builds, e.g.
            ``('train_dataloader', 'val_dataloader')``; those the config
            sets to None are skipped.

    Raises:
        PreflightError: Naming the first missing file, the config key that
            names it and the command that makes it.
    """
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if not isinstance(loader_cfg, dict):
            continue
        for path, where in _ann_files(loader_cfg.get('dataset'),
                                      f'{loader}.dataset'):
            if not _is_url(path) and not osp.exists(path):
                command = making_command(path)
                how = (f'make it with: {command}' if command else
                       'convert your data with tools/data/convert_*.py '
                       'and set it with --cfg-options '
                       f'{where}=PATH')
                raise PreflightError(
                    f'{path}: no such data file (the config\'s {where}); '
                    f'{how} (docs/datasets.md, "Where files go")')


def _pretrained(node: Any, where: str) -> Iterator[Tuple[str, str]]:
    """``(checkpoint, config key)`` of every ``Pretrained`` init_cfg."""
    if isinstance(node, dict):
        if node.get('type') == 'Pretrained' and isinstance(
                node.get('checkpoint'), str):
            yield node['checkpoint'], f'{where}.checkpoint'
        for key, value in node.items():
            yield from _pretrained(value, f'{where}.{key}')
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _pretrained(value, f'{where}.{i}')


def check_checkpoint_files(cfg, init_weights: bool = True) -> None:
    """Check that the local checkpoints the run loads exist:
    ``load_from`` (``--resume CKPT``, ``tools/test.py``'s checkpoint) and,
    when the run initialises weights (training), every local ``Pretrained``
    ``init_cfg`` checkpoint.

    Raises:
        PreflightError: Naming the missing file and the config key.
    """
    load_from = cfg.get('load_from')
    if isinstance(load_from, str) and load_from and not _is_url(load_from):
        if not osp.isfile(load_from):
            raise PreflightError(f'{load_from}: no such checkpoint file')
    if not init_weights:
        return
    for path, where in _pretrained(cfg.get('model'), 'model'):
        if path and not _is_url(path) and not osp.isfile(path):
            raise PreflightError(
                f'{path}: no such checkpoint file (the config\'s {where}, '
                'the weights the model starts from: run the training that '
                f'writes it first, or set it with --cfg-options {where}=PATH)'
            )


def offline_weights_advice(url: Optional[str], reason: str,
                           where: str = 'model.init_cfg.checkpoint') -> str:
    """The error of pretrained weights that cannot be downloaded
    (``where``: the config key that names them)."""
    what = url or 'pretrained weights'
    init_cfg = where.rsplit('.', 1)[0]
    return (f'cannot download {what} ({reason}): download the weights '
            'where there is network, convert the official MAE / timm '
            'release with tools/convert_weights.py if needed, and set '
            f'the local path with --cfg-options {where}=PATH (or '
            f'{init_cfg}=None to start from scratch); see docs/models.md, '
            '"ImageNet-pretrained initialisation"')


def _cached(url: str) -> bool:
    import torch.hub
    name = osp.basename(urllib.request.urlparse(url).path)
    return osp.isfile(osp.join(torch.hub.get_dir(), 'checkpoints', name))


def check_remote_weights(cfg) -> None:
    """Check that the ``Pretrained`` weights given by URL are in torch's
    hub cache or their server can be reached (a ``HEAD`` request; an HTTP
    error status counts as reached, the download then reports it).

    Raises:
        PreflightError: The server cannot be reached, with the way out
            (:func:`offline_weights_advice`).
    """
    for url, where in _pretrained(cfg.get('model'), 'model'):
        if not url.startswith(('http://', 'https://')) or _cached(url):
            continue
        request = urllib.request.Request(url, method='HEAD')
        try:
            urllib.request.urlopen(request, timeout=REMOTE_TIMEOUT).close()
        except HTTPError:
            continue  # the server answers: the download says what it lacks
        except (URLError, OSError) as err:
            reason = getattr(err, 'reason', None) or err
            raise PreflightError(offline_weights_advice(
                f'{url} (the config\'s {where})', str(reason),
                where)) from None

