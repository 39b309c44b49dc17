"""Train a model with s2i_mm (arguments as in mmaction2/mmpretrain)."""
import argparse
import sys

import torch
from mmengine.config import Config

import s2i_mm
from s2i_mm.apis.preflight import (
    check_checkpoint_files,
    check_config_file,
    check_data_files,
    check_remote_weights,
)
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.utils.tool_args import (
    add_runtime_args,
    build_runner,
    finish_distributed,
    merge_runtime_args,
    parse_runtime_args,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='Train a model with s2i_mm')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint; with no value, resume from '
        'the latest checkpoint in the work dir')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='mixed precision: fp16 AmpOptimWrapper on GPU, bf16 autocast on '
        'CPU')
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual total batch size')
    parser.add_argument('--seed', type=int, default=None, help='random seed')
    parser.add_argument(
        '--diff-rank-seed',
        action='store_true',
        help='give each rank a different seed')
    parser.add_argument(
        '--deterministic',
        action='store_true',
        help='deterministic cuDNN / torch algorithms')
    add_runtime_args(parser)
    add_debug_arg(parser)
    return parse_runtime_args(parser, argv)


def merge_args(cfg: Config, args) -> Config:
    """Merge command line arguments into the config."""
    cfg = merge_runtime_args(cfg, args)
    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper not in ('OptimWrapper', 'AmpOptimWrapper',
                           'BF16AutocastOptimWrapper'):
            raise ValueError(
                f'--amp replaces OptimWrapper, but the config uses {wrapper}')
        if torch.cuda.is_available():
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        else:
            print('--amp: no GPU found, training with bf16 autocast on CPU')
            cfg.optim_wrapper.type = 'BF16AutocastOptimWrapper'
            cfg.optim_wrapper.pop('loss_scale', None)

    if args.resume == 'auto':
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        cfg.resume = True
        cfg.load_from = args.resume

    if args.no_validate:
        cfg.val_cfg = None
        cfg.val_dataloader = None
        cfg.val_evaluator = None

    if args.auto_scale_lr:
        cfg.setdefault('auto_scale_lr', {})
        cfg.auto_scale_lr.enable = True

    randomness = dict(cfg.get('randomness', None) or {})
    if args.seed is not None:
        randomness['seed'] = args.seed
    if args.deterministic:
        randomness['deterministic'] = True
    if args.diff_rank_seed:
        randomness['diff_rank_seed'] = True
    if randomness:
        randomness.setdefault('seed', None)  # None: mmengine draws one
        cfg.randomness = randomness
    return cfg


def preflight(cfg: Config) -> None:
    """Check the files the training reads before the runner is built (see
    :mod:`s2i_mm.apis.preflight`)."""
    loaders = ['train_dataloader']
    if cfg.get('val_cfg') is not None:
        loaders.append('val_dataloader')
    check_data_files(cfg, loaders)
    check_checkpoint_files(cfg, init_weights=True)
    check_remote_weights(cfg)


@tool_main
def main(argv=None):
    args = parse_args(argv)
    check_config_file(args.config)
    s2i_mm.register_all_modules(init_default_scope=False)
    cfg = merge_args(Config.fromfile(args.config), args)
    preflight(cfg)
    build_runner(cfg).train()
    finish_distributed()


if __name__ == '__main__':
    sys.exit(main())
