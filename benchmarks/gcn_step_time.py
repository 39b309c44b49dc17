"""Training-step cost of a GCN and of the S2I CPU recipe's ViT, side by side.

Builds each config's model, optimiser and training pipeline, feeds the
pipelines the same synthetic ``kinect20`` sequences, and times full
training steps and the pipeline per sample, the models in turns. Method
and figures: see docs/benchmarks.md, "GCN against S2I, step time".

Usage::

    python benchmarks/gcn_step_time.py                     # batch 16, 1 thread
    python benchmarks/gcn_step_time.py --threads 2 --configs \\
        configs/s2i_mae_cpu/vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py \\
        configs/gcn_cpu/stgcnpp_1xb64-joint-100e_gcn32-cpu.py
"""
import argparse
import contextlib
import io
import json
import os.path as osp
import statistics
import sys
import tempfile
import time

import torch
from mmengine.config import Config

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main

DEFAULT_CONFIGS = (
    'configs/s2i_mae_cpu/vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py',
    'configs/gcn_cpu/stgcnpp_1xb64-joint-100e_gcn32-cpu.py',
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--configs', nargs='+', default=list(DEFAULT_CONFIGS),
                        help='training configs; ratios are to the first')
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--steps', type=int, default=20,
                        help='timed passes (one step per model each)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed passes first')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads')
    parser.add_argument('--seed', type=int, default=0)
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.batch_size < 1:
        parser.error('need --steps >= 1, --warmup >= 0, --batch-size >= 1')
    return args


def _fixture(directory, batch_size, seed):
    """An annotation file of synthetic ``kinect20`` sequences (at least a
    batch of them), every one in split ``train``."""
    from s2i_mm.datasets.synthetic import CLASSES, generate
    from s2i_mm.fileio.annotation import dump_annotation_file
    per_class = -(-batch_size // len(CLASSES))
    data = generate(num_per_class=per_class, seed=seed,
                    formats=('kinect20', ))['kinect20']
    data['split'] = dict(
        train=[a['frame_dir'] for a in data['annotations']])
    path = osp.join(directory, 'kinect20.pkl')
    dump_annotation_file(data, path)
    return path


def _strip_checkpoints(cfg):
    if isinstance(cfg, dict):
        return {k: _strip_checkpoints(v) for k, v in cfg.items()
                if k != 'init_cfg' or not _loads_checkpoint(v)}
    if isinstance(cfg, (list, tuple)):
        return type(cfg)(_strip_checkpoints(v) for v in cfg)
    return cfg


def _loads_checkpoint(init_cfg):
    items = init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg]
    return any(isinstance(i, dict) and i.get('type') == 'Pretrained'
               for i in items)


def build(path, ann_file, batch_size):
    """``(model, optim_wrapper, dataset)`` of a training config, with no
    checkpoint loading and the dataset reading ``ann_file``."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import MODELS

    from s2i_mm.registry import DATASETS
    cfg = Config.fromfile(path)
    model = MODELS.build(_strip_checkpoints(cfg.model.to_dict()))
    with contextlib.redirect_stdout(io.StringIO()):  # init messages
        model.init_weights()
    model.train()
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    dataset_cfg = cfg.train_dataloader.dataset
    dataset_cfg.update(ann_file=ann_file, split='train', cache=False,
                       skeleton_format='kinect20')
    dataset = DATASETS.build(dataset_cfg)
    if len(dataset) < batch_size:
        raise ValueError(f'{len(dataset)} fixture samples < batch size')
    return model, optim_wrapper, dataset


@tool_main
def main(argv=None):
    args = parse_args(argv)
    import s2i_mm
    s2i_mm.register_all_modules()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    from mmengine.dataset import pseudo_collate
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='WARNING')

    runs = {}
    with tempfile.TemporaryDirectory() as tmp:
        ann_file = _fixture(tmp, args.batch_size, args.seed)
        for path in args.configs:
            name = osp.splitext(osp.basename(path))[0]
            runs[name] = build(path, ann_file, args.batch_size)
        indices = list(range(args.batch_size))

        def data(name):
            dataset = runs[name][2]
            return pseudo_collate([dataset[i] for i in indices])

        def step(name, batch):
            model, optim_wrapper, _ = runs[name]
            losses[name] = float(
                model.train_step(batch, optim_wrapper)['loss'])

        times = {name: dict(step=[], data=[]) for name in runs}
        shapes, losses = {}, {}
        for i in range(args.warmup + args.steps):
            for name in runs:
                start = time.perf_counter()
                batch = data(name)
                middle = time.perf_counter()
                step(name, batch)
                end = time.perf_counter()
                shapes[name] = list(batch['inputs'][0].shape)
                if i >= args.warmup:
                    times[name]['data'].append(middle - start)
                    times[name]['step'].append(end - middle)

    per_sample = {
        name: {part: 1000 * statistics.median(seconds) / args.batch_size
               for part, seconds in parts.items()}
        for name, parts in times.items()
    }
    first = next(iter(per_sample.values()))
    summary = dict(batch_size=args.batch_size, steps=args.steps,
                   threads=args.threads, models={})
    for name, ms in per_sample.items():
        model = runs[name][0]
        row = dict(
            step_ms_per_sample=round(ms['step'], 3),
            data_ms_per_sample=round(ms['data'], 3),
            samples_per_s=round(1000 / ms['step'], 1),
            params=sum(p.numel() for p in model.parameters()),
            input_shape=shapes[name],
            last_loss=round(losses[name], 4),
            step_ratio_to_first=round(ms['step'] / first['step'], 3),
            data_ratio_to_first=round(ms['data'] / first['data'], 3))
        summary['models'][name] = row
        print(f'{name:50s} step {row["step_ms_per_sample"]:8.3f} ms/sample '
              f'(x{row["step_ratio_to_first"]})  data '
              f'{row["data_ms_per_sample"]:7.3f} ms/sample '
              f'(x{row["data_ratio_to_first"]})  {row["params"]:,} params  '
              f'input {row["input_shape"]}')
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    sys.exit(main())
