"""Test a checkpoint with s2i_mm and print the metrics as a table."""
import argparse
import os.path as osp

from mmengine.config import Config
from mmengine.dist import is_main_process

import s2i_mm
from s2i_mm.utils.tool_args import (
    add_runtime_args,
    build_runner,
    finish_distributed,
    merge_runtime_args,
    parse_runtime_args,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint with s2i_mm')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--dump',
        type=str,
        help='write per-sample class scores and labels to this .pkl file '
        '(the input of fusion tools)')
    add_runtime_args(parser)
    return parse_runtime_args(parser, argv)


def merge_args(cfg: Config, args) -> Config:
    """Merge command line arguments into the config."""
    cfg = merge_runtime_args(cfg, args)
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


def main(argv=None):
    args = parse_args(argv)
    s2i_mm.register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    metrics = build_runner(cfg).test()
    main_process = is_main_process()  # no ranks once the group is closed
    finish_distributed()
    if main_process:
        print_metrics(metrics, f'{osp.basename(args.config)} | '
                      f'{osp.basename(args.checkpoint)}')
        if args.dump:
            print(f'per-sample scores written to {args.dump}')


if __name__ == '__main__':
    main()
