"""Training-step cost of MAE and DiffMAE (each decoder variant), side by side.

Builds each config's pretraining model and times full training steps
(forward, backward, AdamW) on the same random batch, the models in turns;
``--device cuda`` adds the peak GPU memory, ``--amp`` autocast. Method:
see docs/benchmarks.md, "MAE and DiffMAE step time".

Usage::

    python benchmarks/ssl_step_time.py                      # demo models
    python benchmarks/ssl_step_time.py --device cuda --amp --batch-size 64 \\
        --configs configs/s2i_mae/mae_vit-base-p16_8xb64-400e_ntu60-xsub.py \\
        configs/s2i_diffmae/diffmae_vit-base-p16_8xb64-400e_ntu60-xsub.py
"""
import argparse
import json
import statistics
import sys
import time
from contextlib import nullcontext

import torch
from mmengine.config import Config

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main

DEMO = 'configs/demo/{}_vit-w16-p8_1xb32-500e_synthetic-s2i32.py'
VARIANTS = ('cross_self', 'cross', 'joint')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument(
        '--configs', nargs='+',
        default=[DEMO.format('mae'), DEMO.format('diffmae')],
        help='pretraining configs (S2IMAE / S2IDiffMAE models)')
    parser.add_argument(
        '--variants', nargs='*', choices=VARIANTS, default=list(VARIANTS),
        help='decoder variants of each DiffMAE config (none: as configured)')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--steps', type=int, default=20,
                        help='timed passes (one step per model each)')
    parser.add_argument('--warmup', type=int, default=3,
                        help='untimed passes first')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true',
                        help='fp16 (CUDA) / bf16 (CPU) autocast')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads on the CPU')
    parser.add_argument('--seed', type=int, default=0)
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.steps < 1 or args.warmup < 0 or args.batch_size < 1:
        parser.error('need --steps >= 1, --warmup >= 0, --batch-size >= 1')
    return args


def build_models(args):
    """``{name: model}`` in the order of ``args.configs``."""
    from s2i_mm.registry import MODELS
    models = {}
    for path in args.configs:
        cfg = Config.fromfile(path)
        model_cfg = cfg.model
        model_cfg.init_cfg = None
        model_cfg.backbone.init_cfg = None
        name = model_cfg.type
        variants = [None]
        if model_cfg.type == 'S2IDiffMAE' and args.variants:
            variants = args.variants
        for variant in variants:
            one = model_cfg.copy()
            label = f'{name}:{path.rsplit("/", 1)[-1][:-3]}'
            if variant:
                one.neck.variant = variant
                label += f'[{variant}]'
            model = MODELS.build(one)
            model.init_weights()
            models[label] = model.to(args.device).train()
    return models


@tool_main
def main(argv=None):
    args = parse_args(argv)
    import s2i_mm
    s2i_mm.register_all_modules()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    from mmengine.logging import MMLogger
    MMLogger.get_instance('mmengine', log_level='WARNING')
    models = build_models(args)
    cuda = args.device.startswith('cuda')
    autocast = (torch.autocast(
        'cuda' if cuda else 'cpu',
        dtype=torch.float16 if cuda else torch.bfloat16)
                if args.amp else nullcontext())
    scaler = torch.cuda.amp.GradScaler() if cuda and args.amp else None
    batches, optims = {}, {}
    for name, model in models.items():
        h, w = model.backbone.img_size
        batches[name] = torch.randn(args.batch_size, 3, h, w,
                                    device=args.device)
        optims[name] = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step(name):
        model, optim = models[name], optims[name]
        optim.zero_grad(set_to_none=True)
        with autocast:
            loss = model.loss(batches[name], None)['loss']
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optim)
            scaler.update()
        else:
            loss.backward()
            optim.step()
        if cuda:
            torch.cuda.synchronize()

    times = {name: [] for name in models}
    for i in range(args.warmup + args.steps):
        for name in models:
            start = time.perf_counter()
            step(name)
            if i >= args.warmup:
                times[name].append(time.perf_counter() - start)
    peak = {}
    if cuda:
        for name in models:
            torch.cuda.reset_peak_memory_stats()
            step(name)
            peak[name] = torch.cuda.max_memory_allocated() / 2**20
    first = statistics.median(next(iter(times.values())))
    summary = dict(batch_size=args.batch_size, steps=args.steps,
                   device=args.device, amp=args.amp, models={})
    for name, seconds in times.items():
        median = statistics.median(seconds)
        row = dict(ms_per_step=round(1000 * median, 2),
                   images_per_s=round(args.batch_size / median, 1),
                   ratio_to_first=round(median / first, 3))
        if name in peak:
            row['peak_mem_mib'] = round(peak[name], 1)
        summary['models'][name] = row
        print(f'{name:70s} {row["ms_per_step"]:9.2f} ms/step  '
              f'{row["images_per_s"]:8.1f} img/s  x{row["ratio_to_first"]}'
              + (f'  {row["peak_mem_mib"]:.0f} MiB' if name in peak else ''))
    print(json.dumps(summary), flush=True)


if __name__ == '__main__':
    sys.exit(main())
