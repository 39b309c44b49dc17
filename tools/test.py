"""Test a checkpoint with s2i_mm and print the metrics as a table."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process
from mmengine.runner import Runner

import s2i_mm


def parse_args():
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint with s2i_mm')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save the evaluation log')
    parser.add_argument(
        '--dump',
        type=str,
        help='write per-sample class scores and labels to this .pkl file '
        '(the input of fusion tools)')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, key=value pairs')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def merge_args(cfg: Config, args) -> Config:
    """Merge command line arguments into the config."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.setdefault('default_scope', 's2i_mm')
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = args.checkpoint
    cfg.resume = False

    if args.dump is not None:
        dump_metric = dict(type='DumpScores', out_file_path=args.dump)
        evaluator = cfg.test_evaluator
        if isinstance(evaluator, (list, tuple)):
            cfg.test_evaluator = [*evaluator, dump_metric]
        elif isinstance(evaluator, dict) and 'metrics' in evaluator:
            evaluator.metrics = [*evaluator.metrics, dump_metric]
        else:
            cfg.test_evaluator = [evaluator, dump_metric]
    return cfg


def print_metrics(metrics: dict, title: str) -> None:
    """Print ``metrics`` as a rich table."""
    from rich.console import Console
    from rich.table import Table
    table = Table(title=title)
    table.add_column('metric')
    table.add_column('value', justify='right')
    for name, value in metrics.items():
        table.add_row(
            name,
            f'{value:.4f}' if isinstance(value, float) else str(value))
    Console().print(table)


def main():
    args = parse_args()
    s2i_mm.register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    if 'runner_type' in cfg:
        from s2i_mm.registry import RUNNERS
        runner = RUNNERS.build(cfg)
    else:
        runner = Runner.from_cfg(cfg)
    metrics = runner.test()
    if is_main_process():
        print_metrics(metrics, f'{osp.basename(args.config)} | '
                      f'{osp.basename(args.checkpoint)}')
        if args.dump:
            print(f'per-sample scores written to {args.dump}')


if __name__ == '__main__':
    main()
