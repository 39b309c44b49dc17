"""The embedded default demo: S2I + MAE / DiffMAE on synthetic skeletons.

From a fresh clone, on a CPU, it generates the synthetic set, pretrains a
small MAE, DiffMAE or both (``--algo``), linear-probes each encoder and a
random-init one, draws S2I images and reconstructions, and prints the
probes' table and, last, JSON. Every step is a real tool run
(:mod:`s2i_mm.apis.tool_jobs`); the steps and figures: see
docs/benchmarks.md, "The CPU demo".

Example::

    python demo/s2i_demo.py                  # about 6 minutes on 2 cores
    python demo/s2i_demo.py --algo diffmae   # DiffMAE instead of MAE
    python demo/s2i_demo.py --quick          # a smoke run: 2 epochs each
"""
import argparse
import json
import os
import os.path as osp
import pickle
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.apis.tool_jobs import (
    TEST_METRICS,
    Step,
    StepTime,
    add_in_process_arg,
    cfg_options,
    data_options,
    fit_schedule,
    make_runner,
    progress_columns,
    read_test_metrics,
    repo_path,
    tool,
    write_json,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
# the tools run from the repository root, so the printed commands work
# there as they are
PRETRAIN_CFGS = {
    'mae': 'configs/demo/mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py',
    'diffmae': 'configs/demo/diffmae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py',
}
ALGO_NAMES = {'mae': 'MAE', 'diffmae': 'DiffMAE'}
DIFFMAE_DECODERS = ('cross_self', 'cross', 'joint')
PROBE_CFG = 'configs/demo/vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py'
RANDOM_PROBE_CFG = ('configs/demo/'
                    'vit-w16-p8_linear-1xb32-50e_synthetic-s2i32_random-init.py')
QUICK = dict(num_per_class=4, pretrain_epochs=2, probe_epochs=2,
             num_vis=2)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='S2I + MAE / DiffMAE demo on synthetic skeletons: '
        'pretrain, linear-probe against a random-init encoder, draw the '
        'images')
    parser.add_argument(
        '--algo', choices=('mae', 'diffmae', 'both'), default='mae',
        help='self-supervised pretraining to run and probe (both: MAE and '
        'DiffMAE side by side, about twice the time)')
    parser.add_argument(
        '--diffmae-decoder', choices=DIFFMAE_DECODERS, default=None,
        help="DiffMAE's decoder variant (default: the demo config's)")
    parser.add_argument(
        '--work-dir', default='work_dirs/demo',
        help='folder for the data, checkpoints, logs and PNG files')
    parser.add_argument(
        '--num-per-class', type=int, default=80,
        help='synthetic samples per class (14 classes)')
    parser.add_argument(
        '--difficulty', type=float, default=1.0,
        help='synthetic difficulty, 0 (easy) to 1 (hard)')
    parser.add_argument(
        '--pretrain-epochs', type=int, default=500,
        help='pretraining epochs (MAE and DiffMAE alike)')
    parser.add_argument(
        '--probe-epochs', type=int, default=50,
        help='linear probe epochs (the same for both encoders)')
    parser.add_argument(
        '--num-vis', type=int, default=4,
        help='samples drawn as S2I images and reconstructions')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--threads', type=int, default=1,
        help='torch threads per process (two processes run at once)')
    add_in_process_arg(parser)
    parser.add_argument(
        '--quick', action='store_true',
        help='a smoke run of every step: 4 samples per class, 2 epochs '
        'each (minutes, not the full run\'s)')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    minimum = dict(num_per_class=1, pretrain_epochs=2, probe_epochs=2,
                   num_vis=1, threads=1)
    for name, low in minimum.items():
        if getattr(args, name) < low:
            parser.error(f'--{name.replace("_", "-")} must be >= {low}')
    if not 0 <= args.difficulty <= 1:
        parser.error('--difficulty must be in [0, 1]')
    if args.diffmae_decoder and args.algo == 'mae':
        parser.error('--diffmae-decoder needs --algo diffmae or both')
    return args


def algos(args) -> List[str]:
    """The pretraining algorithms of this run."""
    return ['mae', 'diffmae'] if args.algo == 'both' else [args.algo]


@dataclass
class Plan:
    """The demo's steps: a first one, then lanes run side by side."""
    first: Step
    lanes: List[List[Step]]
    paths: Dict[str, str] = field(default_factory=dict)


def build_plan(args) -> Plan:
    """The commands of the demo, in ``args.work_dir``.

    Lane 0 pretrains, probes and draws the first algorithm, then runs the
    random-init probe when there is a second algorithm; the other lane
    holds the second algorithm's steps or the random-init probe. The S2I
    pictures close the second lane.
    """
    work = repo_path(args.work_dir, REPO)
    logs = osp.join(work, 'logs')
    data_dir = osp.join(work, 'data')
    ann_file = osp.join(data_dir, 'synthetic_ntu25.pkl')
    seed = ['--seed', args.seed]
    paths = dict(work=work, ann_file=ann_file,
                 s2i_png=osp.join(work, 's2i_png'))

    def log(name):
        return osp.join(logs, f'{name}.log')

    def probe_steps(name, config, extra):
        probe_dir = osp.join(work, f'probe_{name}')
        test_dir = osp.join(work, f'test_{name}')
        paths[f'test_{name}'] = test_dir
        options = cfg_options({
            **data_options(ann_file),
            **fit_schedule(osp.join(REPO, config), args.probe_epochs),
            'train_cfg.val_interval': args.probe_epochs,
            **extra
        })
        return [
            Step(f'linear probe ({name})',
                 tool('tools/train.py', config, '--work-dir', probe_dir,
                      *seed, *options),
                 log(f'probe_{name}'), epochs=args.probe_epochs),
            Step(f'test ({name})',
                 tool('tools/test.py', config,
                      osp.join(probe_dir, f'epoch_{args.probe_epochs}.pth'),
                      '--work-dir', test_dir, '--dump',
                      osp.join(test_dir, 'scores.pkl'), *options),
                 log(f'test_{name}')),
        ]

    first = Step(
        'generate the synthetic set',
        tool('tools/data/make_synthetic.py', data_dir, '--num-per-class',
             args.num_per_class, '--seed', args.seed, '--difficulty',
             args.difficulty, '--formats', 'ntu25'),
        log('make_synthetic'))
    lanes = []
    for algo in algos(args):
        config = PRETRAIN_CFGS[algo]
        pretrain_dir = osp.join(work, f'{algo}_pretrain')
        pretrained = osp.join(pretrain_dir,
                              f'epoch_{args.pretrain_epochs}.pth')
        paths[f'{algo}_png'] = osp.join(work, f'{algo}_png')
        model = {}
        if algo == 'diffmae' and args.diffmae_decoder:
            model['model.neck.variant'] = args.diffmae_decoder
        lanes.append([
            Step(f'{ALGO_NAMES[algo]} pretraining',
                 tool('tools/train.py', config, '--work-dir', pretrain_dir,
                      *seed, *cfg_options({
                          **data_options(ann_file, ('train', )),
                          **fit_schedule(osp.join(REPO, config),
                                         args.pretrain_epochs),
                          **model
                      })),
                 log(f'{algo}_pretrain'), epochs=args.pretrain_epochs),
            *probe_steps(algo, PROBE_CFG, {
                'model.backbone.init_cfg.checkpoint': pretrained}),
            Step(f'{ALGO_NAMES[algo]} reconstruction PNGs',
                 tool('tools/analysis/visualize_mae.py', config, pretrained,
                      '--out-dir', paths[f'{algo}_png'], '--num-samples',
                      args.num_vis, '--seed', args.seed,
                      *cfg_options({**data_options(ann_file, ('train', )),
                                    **model})),
                 log(f'visualize_{algo}')),
        ])
    random_init = probe_steps('random_init', RANDOM_PROBE_CFG, {})
    if len(lanes) == 1:
        lanes.append(random_init)
    else:
        lanes[0] += random_init
    lanes[-1].append(
        Step('S2I PNGs',
             # the samples are chosen once the data exists
             tool('tools/visualize_s2i.py', ann_file, '--split', 'val',
                  '--clip-len', 64, '--size', 32, 32, '--out-dir',
                  paths['s2i_png'], '--samples'),
             log('visualize_s2i')))
    return Plan(first, lanes, paths)


def pick_samples(ann_file: str, count: int) -> List[str]:
    """``frame_dir`` of the first val sample of ``count`` spread classes."""
    with open(ann_file, 'rb') as f:
        data = pickle.load(f)
    val = set(data['split']['val'])
    first = {}
    for ann in data['annotations']:
        if ann['frame_dir'] in val:
            first.setdefault(ann['label'], ann['frame_dir'])
    labels = sorted(first)
    step = max(1, len(labels) // count)
    return [first[label] for label in labels[::step][:count]]


def results_table(results: Dict[str, Dict[str, float]]) -> Table:
    """The probes' metrics, and each pretrained one minus random init."""
    table = Table(title='Linear probe on the held-out synthetic val split '
                  '(%)')
    table.add_column('encoder')
    for _, label in TEST_METRICS:
        table.add_column(label, justify='right')
    rand = results['random_init']
    pretrained = [name for name in results if name != 'random_init']
    for name in pretrained:
        table.add_row(f'{ALGO_NAMES[name]}-pretrained',
                      *(f'{results[name][k]:.2f}' for k, _ in TEST_METRICS))
    table.add_row('random init', *(f'{rand[k]:.2f}' for k, _ in TEST_METRICS))
    for name in pretrained:
        table.add_row(f'[bold]{ALGO_NAMES[name]} - random[/bold]',
                      *(f'{results[name][k] - rand[k]:+.2f}'
                        for k, _ in TEST_METRICS))
    return table


def summarize(results: Dict[str, Dict[str, float]],
              times: Dict[str, StepTime], wall: float,
              work: str) -> Dict[str, object]:
    """The JSON summary: ``<name>_top1`` / ``_top5`` / ``_mean_class_acc``
    for each probe (``mae``, ``diffmae``, ``random_init``) and
    ``<algo>_pretrain_s``, the wall time of each pretraining."""
    keys = (('acc/top1', 'top1'), ('acc/top5', 'top5'),
            ('acc/mean1', 'mean_class_acc'))
    summary = {
        f'{name}_{suffix}': round(metrics[key], 2)
        for name, metrics in results.items() for key, suffix in keys
    }
    for name in results:
        title = f'{ALGO_NAMES.get(name, name)} pretraining'
        if title in times:
            summary[f'{name}_pretrain_s'] = round(times[title].wall, 1)
    summary.update(wall_time_s=round(wall, 1), work_dir=osp.abspath(work))
    return summary


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    console = Console()
    plan = build_plan(args)
    os.chdir(REPO)  # the plan's relative paths are relative to the repo
    with Progress(*progress_columns(), console=console) as progress:
        runner = make_runner(progress, args.threads, args.in_process)
        for step in [plan.first, *sum(plan.lanes, [])]:
            runner.add(step)
        runner.run(plan.first)
        plan.lanes[-1][-1].cmd += pick_samples(plan.paths['ann_file'],
                                               args.num_vis)
        runner.run_parallel(plan.lanes)
        results = {
            name: read_test_metrics(plan.paths[f'test_{name}'])
            for name in [*algos(args), 'random_init']
        }
    wall = time.perf_counter() - start
    console.print(results_table(results))
    pictures = ''.join(
        f'{ALGO_NAMES[algo]} reconstructions: {plan.paths[algo + "_png"]}\n'
        for algo in algos(args))
    console.print(f'S2I images: {plan.paths["s2i_png"]}\n{pictures}'
                  f'logs: {osp.join(plan.paths["work"], "logs")}',
                  highlight=False)
    summary = summarize(results, runner.times, wall, plan.paths['work'])
    write_json(osp.join(plan.paths['work'], 'results.json'), summary)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
