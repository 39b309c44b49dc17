"""Command-line plumbing shared by ``tools/train.py`` and ``tools/test.py``
(the arguments mmaction2's and mmpretrain's tools take), and by the tools
that read data without a config (``--custom-imports``)."""
import argparse
import os
import os.path as osp
import sys
from typing import Any, Dict, List, Sequence

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

__all__ = ['add_runtime_args', 'parse_runtime_args', 'merge_runtime_args',
           'merge_cfg_options', 'build_runner', 'finish_distributed',
           'add_custom_imports_arg', 'import_custom_modules']

#: Config keys that a config usually makes one object
#: (``test_dataloader = val_dataloader``): resolved when the file is read,
#: so a ``--cfg-options`` override of the first would miss the second.
_SHARED_KEYS = (('val_dataloader', 'test_dataloader'),
                ('val_evaluator', 'test_evaluator'))
_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
_MISSING = object()


def add_runtime_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher`` and
    ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs, e.g. '
        'train_cfg.max_epochs=3')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runtime_args(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` when no launcher set it."""
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_runtime_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Launcher, ``--cfg-options``, the ``s2i_mm`` default scope and the
    work dir (CLI > config > ``./work_dirs/<config name>``)."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        for note in merge_cfg_options(cfg, args.cfg_options):
            print(note, file=sys.stderr)
    cfg.setdefault('default_scope', 's2i_mm')
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def _lookup(cfg: Any, dotted: str) -> Any:
    """The value at a ``--cfg-options`` key (``a.b.0.c``), or _MISSING."""
    value = cfg
    for part in dotted.split('.'):
        if hasattr(value, 'keys') and part in value:  # dict or Config
            value = value[part]
        elif (isinstance(value, (list, tuple)) and part.isdigit()
              and int(part) < len(value)):
            value = value[int(part)]
        else:
            return _MISSING
    return value


def _nested(a: str, b: str) -> bool:
    """Whether one dotted key is the other or lies inside it."""
    return a == b or a.startswith(b + '.') or b.startswith(a + '.')


def merge_cfg_options(cfg: Config, options: Dict[str, Any]) -> List[str]:
    """Merge ``--cfg-options`` so that an override reaches every loader
    that shared the overridden value, and say where it did not.

    * ``test_dataloader = val_dataloader`` (and ``test_evaluator =
      val_evaluator``) in a config is resolved when the file is read, so
      mmengine's merge of ``val_dataloader.dataset.ann_file=X`` leaves the
      test loader on the old file, silently. Here an override of a
      ``val_*`` key also applies to the ``test_*`` twin when the two were
      equal before the merge and the options do not set the twin's key.
    * An override of a ``dataset`` key of one of the three loaders that
      leaves another loader holding the value they shared before (e.g. a
      new ``train_dataloader.dataset.ann_file`` alone) is reported.

    Args:
        cfg (Config): The config, merged in place.
        options (dict): The parsed ``--cfg-options``.

    Returns:
        list[str]: One note per propagated or left-behind key (the tools
        print them).
    """
    options = dict(options)
    notes = []
    for first, twin in _SHARED_KEYS:
        if cfg.get(twin) is None or cfg.get(twin) != cfg.get(first):
            continue
        given = list(options)
        for key in given:
            head, _, rest = key.partition('.')
            target = f'{twin}.{rest}' if rest else twin
            if head != first or any(_nested(target, other)
                                    for other in given):
                continue  # the options set (part of) the twin themselves
            options[target] = options[key]
            notes.append(f'--cfg-options {key}: also set for {twin} '
                         f'(the config makes {twin} = {first})')
    left_behind = {}
    for key in options:
        head, _, rest = key.partition('.')
        before = _lookup(cfg, key)
        # the data a loader reads; batch sizes and the like differ freely
        if (head not in _LOADERS or not rest.startswith('dataset.')
                or before is _MISSING):
            continue
        for other in _LOADERS:
            other_key = f'{other}.{rest}'
            if (other_key not in options
                    and _lookup(cfg, other_key) == before):
                left_behind.setdefault(other_key, (key, before))
    notes += [f'--cfg-options {key}: {other_key} keeps {before!r} (set it '
              'too if the loaders should agree)'
              for other_key, (key, before) in left_behind.items()]
    cfg.merge_from_dict(options)
    return notes


def add_custom_imports_arg(parser: argparse.ArgumentParser) -> None:
    """Add ``--custom-imports``, the ``custom_imports`` of a config for the
    tools that read data without one."""
    parser.add_argument(
        '--custom-imports', nargs='+', metavar='MODULE', default=[],
        help='import these modules first, as custom_imports in a config '
        'does (plugins that register skeleton formats, transforms, ...); '
        'they must be importable (e.g. PYTHONPATH=.)')


def import_custom_modules(modules: Sequence[str]) -> None:
    """Import ``--custom-imports`` modules as mmengine's ``custom_imports``
    does (``mmengine.utils.import_modules_from_strings``)."""
    if modules:
        from mmengine.utils import import_modules_from_strings
        import_modules_from_strings(list(modules))


def build_runner(cfg: Config) -> Runner:
    """mmengine's Runner, or the config's ``runner_type``, once the config's
    pipelines are known to produce its stream
    (:func:`~s2i_mm.utils.streams.check_stream`)."""
    from s2i_mm.utils.streams import check_stream
    check_stream(cfg)
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    from s2i_mm.registry import RUNNERS
    return RUNNERS.build(cfg)


def finish_distributed() -> None:
    """Close the default process group after a run that ended normally.

    mmengine's Runner never destroys it. A process that exits with a live
    gloo group can abort in the group's C++ teardown ("terminate called
    without an active exception", exit code -6) after a successful run
    (https://github.com/pytorch/pytorch/issues/190489; 7 of 15 four-process
    runs here). The barrier lets every rank finish its last collective
    first. Call it only on success: a rank that failed must not wait for
    the others (they may be blocked in a collective that never completes).
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()
