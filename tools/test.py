"""Test a checkpoint with s2i_mm and print the metrics as a table."""
import argparse
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.dist import is_main_process
from mmengine.registry import DefaultScope

import s2i_mm
from s2i_mm.apis.checkpoint_fit import check_checkpoint_fits
from s2i_mm.apis.preflight import (
    check_checkpoint_files,
    check_config_file,
    check_data_files,
)
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.registry import MODELS
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
    add_debug_arg(parser)
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


def preflight(cfg: Config, config: str) -> None:
    """Check the test data and the checkpoint before the runner is built:
    the checkpoint must hold the weights of the config's model (same keys
    and shapes), as mmengine would load a misfit with warnings only."""
    check_data_files(cfg, ['test_dataloader'])
    check_checkpoint_files(cfg, init_weights=False)
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        model = MODELS.build(cfg.model)
    check_checkpoint_fits(model, cfg.load_from, config)


@tool_main
def main(argv=None):
    args = parse_args(argv)
    check_config_file(args.config)
    s2i_mm.register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    preflight(cfg, args.config)
    metrics = build_runner(cfg).test()
    main_process = is_main_process()  # no ranks once the group is closed
    finish_distributed()
    if main_process:
        print_metrics(metrics, f'{osp.basename(args.config)} | '
                      f'{osp.basename(args.checkpoint)}')
        if args.dump:
            print(f'per-sample scores written to {args.dump}')


if __name__ == '__main__':
    sys.exit(main())
