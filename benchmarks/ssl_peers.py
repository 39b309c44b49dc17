"""S2I-MAE against its peers, side by side on the same data and probe.

Pretrains S2I-MAE (random and motion-aware tube masking), Skeleton2vec and
SkeletonMAE for the same epochs on the synthetic set, linear-probes each
encoder and a random-init one of each family with the same protocol, and
prints the table with each method's gain over its random init and its
pretraining CPU time relative to S2I-MAE. Protocol, figures and how to
read them: see docs/benchmarks.md, "S2I-MAE against its peers".

Example::

    python benchmarks/ssl_peers.py           # ~1,500 CPU seconds in all
    python benchmarks/ssl_peers.py --quick   # a smoke run
"""
import argparse
import json
import os
import os.path as osp
import pickle
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.apis.tool_jobs import (
    TEST_METRICS,
    Step,
    StepFailed,
    add_in_process_arg,
    cfg_options,
    data_options,
    fit_schedule,
    git_commit,
    make_runner,
    progress_columns,
    read_test_metrics,
    repo_path,
    tool,
    write_json,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

DEMO = 'configs/demo/'
S2V = 'projects/skeleton2vec/configs/'
SMAE = 'projects/skeletonmae/configs/'
QUICK = dict(num_per_class=4, pretrain_epochs=2, probe_epochs=2)


@dataclass
class Method:
    """One row of the table: an encoder, pretrained or randomly initialised.

    Attributes:
        key (str): Short name (folders, JSON keys).
        title (str): Name in the table.
        family (str): Key of the encoder family (``--methods`` selects
            families; each family has one random-init row).
        probe (str): Linear-probe config.
        pretrain (str, optional): Pretraining config; None for the
            random-init row of a family.
        options (dict): ``--cfg-options`` of the pretraining.
        cost (float): Relative CPU cost of a pretraining epoch (measured
            on the development machine), only to spread the steps over the
            lanes.
    """
    key: str
    title: str
    family: str
    probe: str
    pretrain: Optional[str] = None
    options: Dict[str, object] = field(default_factory=dict)
    cost: float = 1.


METHODS = [
    Method('s2i_mae_random', 'S2I-MAE (random masking)', 's2i',
           DEMO + 'vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py',
           DEMO + 'mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py',
           {'model.backbone.mask_strategy': 'random'}, cost=1.),
    # tubes of one patch row: 16 of the 64 frames (Skeleton2vec's tubes
    # span 15 frames); 75 % of the patch columns masked in each tube
    Method('s2i_mae_motion_tube', 'S2I-MAE (motion-aware tube masking)',
           's2i', DEMO + 'vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py',
           DEMO + 'mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py',
           {'model.backbone.mask_strategy': 'motion_tube',
            'model.backbone.tube_len': 1}, cost=1.),
    Method('s2i_random_init', 'S2I ViT, random init', 's2i',
           DEMO + 'vit-w16-p8_linear-1xb32-50e_synthetic-s2i32'
           '_random-init.py'),
    Method('skeleton2vec', 'Skeleton2vec', 'skeleton2vec',
           S2V + 'skt-w16-l4_linear-1xb32-50e_synthetic.py',
           S2V + 'skeleton2vec_skt-w16-l4_1xb32-200e_synthetic.py', cost=3.),
    Method('skeleton2vec_random_init', 'Skeleton2vec transformer, random '
           'init', 'skeleton2vec',
           S2V + 'skt-w16-l4_linear-1xb32-50e_synthetic_random-init.py'),
    Method('skeletonmae', 'SkeletonMAE', 'skeletonmae',
           SMAE + 'gin-w16-l3_linear-1xb32-50e_synthetic.py',
           SMAE + 'skeletonmae_gin-w16-l3_1xb32-200e_synthetic.py', cost=2.),
    Method('skeletonmae_random_init', 'SkeletonMAE GIN, random init',
           'skeletonmae',
           SMAE + 'gin-w16-l3_linear-1xb32-50e_synthetic_random-init.py'),
]
FAMILIES = sorted({m.family for m in METHODS})
#: relative CPU cost of a probe epoch, per family (lane balancing only)
PROBE_COST = dict(s2i=0.2, skeleton2vec=0.6, skeletonmae=0.3)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='S2I-MAE, Skeleton2vec and SkeletonMAE side by side on '
        'the synthetic set: same data, pretraining epochs and linear probe')
    parser.add_argument('--work-dir', default='work_dirs/ssl_peers',
                        help='folder for the data, checkpoints and logs')
    parser.add_argument('--num-per-class', type=int, default=80,
                        help='synthetic samples per class (14 classes)')
    parser.add_argument('--difficulty', type=float, default=1.0,
                        help='synthetic difficulty, 0 (easy) to 1 (hard)')
    parser.add_argument('--pretrain-epochs', type=int, default=200,
                        help='pretraining epochs, the same for every method')
    parser.add_argument('--probe-epochs', type=int, default=50,
                        help='linear probe epochs, the same for every encoder')
    parser.add_argument('--methods', nargs='+', choices=FAMILIES,
                        default=FAMILIES,
                        help='encoder families to run (each with its '
                        'random-init baseline)')
    parser.add_argument('--lanes', type=int, default=2,
                        help='tool processes run side by side')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per process')
    add_in_process_arg(parser)
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--quick', action='store_true',
                        help='a smoke run: 4 samples per class, 2 epochs')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    for name in ('num_per_class', 'pretrain_epochs', 'probe_epochs',
                 'lanes', 'threads'):
        low = 2 if name.endswith('epochs') else 1
        if getattr(args, name) < low:
            parser.error(f'--{name.replace("_", "-")} must be >= {low}')
    return args


def count_step(work: str, methods: List[Method]) -> Step:
    """The step counting the parameters of every config of ``methods``
    (``tools/analysis/count_parameters.py``, into ``params.json``)."""
    configs = sorted({c for m in methods for c in (m.probe, m.pretrain) if c})
    return Step('count parameters',
                tool('tools/analysis/count_parameters.py', *configs, '--out',
                     osp.join(work, 'params.json')),
                osp.join(work, 'logs', 'count_parameters.log'))


def method_parameters(method: Method, counted: Dict) -> Dict[str, int]:
    """Encoder parameters (what the probe sees) and the trainable
    parameters of the pretraining model (an EMA teacher is not trained),
    from the counts of :func:`count_step`."""
    counts = dict(encoder=counted[method.probe]['backbone']['all'])
    if method.pretrain:
        counts['pretrain'] = counted[method.pretrain]['model']['trainable']
    return counts


def subjects(ann_file: str) -> Dict[str, List[int]]:
    """Simulated subjects of each split (``S<subject>A...`` names), after
    checking that no subject is in two splits."""
    with open(ann_file, 'rb') as f:
        split = pickle.load(f)['split']
    found = {}
    for name, frame_dirs in split.items():
        names = [re.match(r'S(\d+)A', d) for d in frame_dirs]
        if not all(names):
            bad = frame_dirs[names.index(None)]
            raise StepFailed(f'{ann_file}: sample {bad!r} of split {name!r} '
                             'does not name its subject (S<subject>A...)')
        found[name] = sorted({int(n.group(1)) for n in names})
    shared = set(found['train']) & set(found['val'])
    if shared:
        raise StepFailed(f'subjects {sorted(shared)} are in both the train '
                         f'and the val split of {ann_file}')
    return found


def build_chains(args, ann_file: str) -> Dict[str, List[Step]]:
    """Per method, its steps in order: [pretrain,] probe, test."""
    work = osp.dirname(osp.dirname(ann_file))
    seed = ['--seed', args.seed]
    chains = {}
    for m in METHODS:
        if m.family not in args.methods:
            continue
        steps, extra = [], {}
        folder = osp.join(work, m.key)
        if m.pretrain:
            pretrain_dir = osp.join(folder, 'pretrain')
            steps.append(Step(
                f'{m.key}: pretraining',
                tool('tools/train.py', m.pretrain, '--work-dir', pretrain_dir,
                     *seed, *cfg_options({
                         **data_options(ann_file, ('train', )),
                         **fit_schedule(osp.join(REPO, m.pretrain),
                                        args.pretrain_epochs),
                         **m.options})),
                osp.join(work, 'logs', f'{m.key}_pretrain.log'),
                epochs=args.pretrain_epochs))
            extra['model.backbone.init_cfg.checkpoint'] = osp.join(
                pretrain_dir, f'epoch_{args.pretrain_epochs}.pth')
        options = cfg_options({
            **data_options(ann_file),
            **fit_schedule(osp.join(REPO, m.probe), args.probe_epochs),
            'train_cfg.val_interval': args.probe_epochs,
            **extra})
        probe_dir = osp.join(folder, 'probe')
        steps += [
            Step(f'{m.key}: linear probe',
                 tool('tools/train.py', m.probe, '--work-dir', probe_dir,
                      *seed, *options),
                 osp.join(work, 'logs', f'{m.key}_probe.log'),
                 epochs=args.probe_epochs),
            Step(f'{m.key}: test',
                 tool('tools/test.py', m.probe,
                      osp.join(probe_dir, f'epoch_{args.probe_epochs}.pth'),
                      '--work-dir', osp.join(folder, 'test'), *options),
                 osp.join(work, 'logs', f'{m.key}_test.log')),
        ]
        chains[m.key] = steps
    return chains


def spread(chains: Dict[str, List[Step]], args) -> List[List[Step]]:
    """Chains over ``--lanes`` lanes, longest first to the least loaded."""
    methods = {m.key: m for m in METHODS}

    def cost(key):
        m = methods[key]
        return ((m.cost * args.pretrain_epochs if m.pretrain else 0) +
                PROBE_COST[m.family] * args.probe_epochs)

    lanes: List[List[Step]] = [[] for _ in range(args.lanes)]
    load = [0.] * args.lanes
    for key in sorted(chains, key=cost, reverse=True):
        lane = load.index(min(load))
        lanes[lane] += chains[key]
        load[lane] += cost(key)
    return lanes


def results_table(rows: Dict[str, dict], args) -> Table:
    table = Table(
        title=f'Linear probe on the held-out synthetic val split (%); '
        f'pretraining {args.pretrain_epochs} epochs, probe '
        f'{args.probe_epochs} epochs',
        caption='top-1 gain: over the random-init encoder of the family; '
        'pre.: pretraining (trainable parameters, wall and CPU seconds of '
        'the tools/train.py process); CPU ratio: pretraining CPU time / '
        "S2I-MAE (random masking)'s")
    for name in ('encoder', 'top-1', 'top-5', 'mean cls', 'top-1 gain',
                 'enc. params', 'pre. params', 'pre. wall s', 'pre. CPU s',
                 'CPU ratio'):
        table.add_column(name, justify='left' if name == 'encoder' else
                         'right')
    for m in METHODS:
        row = rows.get(m.key)
        if row is None:
            continue
        pretrained = m.pretrain is not None
        table.add_row(
            m.title, *(f'{row[k]:.2f}' for k, _ in TEST_METRICS),
            f'{row["top1_gain"]:+.2f}' if pretrained else '',
            f'{row["encoder_params"]:,}',
            f'{row["pretrain_params"]:,}' if pretrained else '',
            f'{row["pretrain_wall_s"]:.0f}' if pretrained else '',
            f'{row["pretrain_cpu_s"]:.0f}' if pretrained else '',
            (f'{row["cpu_vs_s2i_mae"]:.2f}'
             if row.get('cpu_vs_s2i_mae') is not None else ''))
    return table


def collect(work: str, chains, runner) -> Dict[str, dict]:
    """Metrics, parameters, times and the in-run ratios of every row."""
    with open(osp.join(work, 'params.json')) as f:
        counted = json.load(f)
    rows = {}
    for m in METHODS:
        if m.key not in chains:
            continue
        test_dir = osp.join(work, m.key, 'test')
        row = dict(read_test_metrics(test_dir))
        counts = method_parameters(m, counted)
        row['encoder_params'] = counts['encoder']
        if m.pretrain:
            wall, cpu = runner.times[chains[m.key][0].title]
            row.update(pretrain_params=counts['pretrain'],
                       pretrain_wall_s=round(wall, 1),
                       pretrain_cpu_s=round(cpu, 1))
        rows[m.key] = row
    for m in METHODS:
        row = rows.get(m.key)
        if row is None or not m.pretrain:
            continue
        base = rows[f'{m.family}_random_init']
        row['top1_gain'] = round(row['acc/top1'] - base['acc/top1'], 2)
        if 's2i_mae_random' in rows:
            row['cpu_vs_s2i_mae'] = round(
                row['pretrain_cpu_s'] / rows['s2i_mae_random']
                ['pretrain_cpu_s'], 2)
    return rows


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    console = Console()
    work = repo_path(args.work_dir, REPO)
    ann_file = osp.join(work, 'data', 'synthetic_ntu25.pkl')
    make_data = Step(
        'generate the synthetic set',
        tool('tools/data/make_synthetic.py', osp.join(work, 'data'),
             '--num-per-class', args.num_per_class, '--seed', args.seed,
             '--difficulty', args.difficulty, '--formats', 'ntu25'),
        osp.join(work, 'logs', 'make_synthetic.log'))
    os.chdir(REPO)  # the commands' relative paths are relative to the repo
    chains = build_chains(args, ann_file)
    lanes = spread(chains, args)
    count = count_step(work, [m for m in METHODS if m.key in chains])
    with Progress(*progress_columns(), console=console) as progress:
        runner = make_runner(progress, args.threads, args.in_process)
        # the tools import this checkout's s2i_mm and projects/
        runner.env['PYTHONPATH'] = REPO
        for step in [make_data, count, *(s for lane in lanes for s in lane)]:
            runner.add(step)
        runner.run_parallel([[make_data], [count]])
        split_subjects = subjects(osp.join(REPO, ann_file))
        runner.run_parallel(lanes)
        rows = collect(work, chains, runner)
    Console(width=max(console.width, 150)).print(results_table(rows, args))
    summary = dict(
        commit=git_commit(REPO),
        pretrain_epochs=args.pretrain_epochs,
        probe_epochs=args.probe_epochs,
        num_per_class=args.num_per_class,
        difficulty=args.difficulty,
        seed=args.seed,
        lanes=args.lanes,
        threads=args.threads,
        subjects=split_subjects,
        rows=rows,
        # every tool process together (with --lanes processes at a time,
        # the least wall time the run can take is about this / lanes)
        steps_cpu_s=round(sum(t.cpu for t in runner.times.values()), 1),
        wall_time_s=round(time.perf_counter() - start, 1))
    write_json(osp.join(work, 'results.json'), summary)
    print(f'train subjects {split_subjects["train"]}, val subjects '
          f'{split_subjects["val"]} (disjoint); commit {summary["commit"]}; '
          f'wall time {summary["wall_time_s"]:.0f} s, CPU time of the tools '
          f'{summary["steps_cpu_s"]:.0f} s')
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
