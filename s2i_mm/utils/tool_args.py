"""Command-line plumbing shared by ``tools/train.py`` and ``tools/test.py``:
the arguments mmaction2's and mmpretrain's tools take, ``--vis-backend``,
and the runner."""
import argparse
import os
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.runner import Runner

from s2i_mm.compat import apply_runner_fixes
from s2i_mm.registry import RUNNERS
from s2i_mm.utils.config_options import CfgOptionsAction, merge_cfg_options
from s2i_mm.utils.streams import check_stream

__all__ = ['add_runtime_args', 'parse_runtime_args', 'merge_runtime_args',
           'build_runner', 'finish_distributed', 'VIS_BACKENDS']

#: ``--vis-backend`` names: (mmengine backend, the package it needs).
VIS_BACKENDS = {
    'tensorboard': ('TensorboardVisBackend', 'tensorboard'),
    'wandb': ('WandbVisBackend', 'wandb'),
}


def add_runtime_args(parser: argparse.ArgumentParser) -> None:
    """Add ``--work-dir``, ``--cfg-options``, ``--launcher`` and
    ``--local-rank``."""
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override settings in the config, key=value pairs, e.g. '
        "train_cfg.max_epochs=3 (lists: a=1,2 or a='[1, 2]'; a quoted "
        "value keeps its inner spaces: a='my data/x.pkl')")
    parser.add_argument(
        '--vis-backend',
        choices=sorted(VIS_BACKENDS),
        action='append',
        default=[],
        help='also log scalars (loss, learning rate, metrics) to this '
        'mmengine visualiser backend, beside the JSON logs of '
        '<work-dir>/<run>/vis_data; tensorboard: pip install -e '
        '".[tensorboard]", then tensorboard --logdir WORK_DIR; repeatable')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    # torch.distributed.launch passes --local_rank; torchrun sets LOCAL_RANK
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_runtime_args(parser: argparse.ArgumentParser,
                       argv=None) -> argparse.Namespace:
    """Parse ``argv`` (default: the command line), and export
    ``LOCAL_RANK`` when no launcher set it."""
    args = parser.parse_args(argv)
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
    for name in getattr(args, 'vis_backend', None) or ():
        _add_vis_backend(cfg, name)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    return cfg


def _add_vis_backend(cfg: Config, name: str) -> None:
    """Add the mmengine backend of ``--vis-backend name`` to the config's
    visualizer (once)."""
    import importlib.util
    backend, package = VIS_BACKENDS[name]
    if importlib.util.find_spec(package) is None:
        raise ImportError(
            f'--vis-backend {name} needs the {package} package, which is not '
            f'installed: pip install -e ".[{package}]" (or pip install '
            f'{package})')
    visualizer = cfg.setdefault(
        'visualizer', dict(type='UniversalVisualizer', vis_backends=[]))
    backends = list(visualizer.get('vis_backends') or [])
    if all(b.get('type') != backend for b in backends):
        backends.append(dict(type=backend))
    visualizer['vis_backends'] = backends


def build_runner(cfg: Config) -> Runner:
    """mmengine's Runner, or the config's ``runner_type``, once the config's
    pipelines are known to produce its stream
    (:func:`~s2i_mm.utils.streams.check_stream`)."""
    check_stream(cfg)
    apply_runner_fixes()
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
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
