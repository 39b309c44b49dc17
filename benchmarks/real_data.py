"""Does S2I pretraining learn on a real dataset? Five runs of the real tools.

On any converted skeleton dataset (an annotation ``.pkl`` or a packed
store, any skeleton format), with the CPU-scale recipe of
``configs/s2i_mae_cpu/``, this runs ``tools/train.py`` / ``tools/test.py``
for

1. MAE pretraining on the train split (its labels unused);
2. a linear probe of that encoder (frozen);
3. the same linear probe of a randomly initialised encoder;
4. supervised training of the same encoder from scratch;
5. fine-tuning from the MAE encoder;

each evaluated on the val split, and prints a rich table of top-1, top-5
and mean class accuracy plus, as its last line, the figures as JSON (also
written to ``<work-dir>/results.json``). Two lanes run side by side, one
torch thread each (MAE -> its probe -> fine-tuning; random-init probe ->
supervised), which keeps 2 CPU cores busy. Every command is printed
before it runs, with its log in ``<work-dir>/logs/``.

``--budget small`` is the recipe as configured (about 30 minutes on 2 CPU
cores for NW-UCLA's 1,020 training sequences); ``--budget full`` trains
every step longer. ``--cfg-options`` reach every step's config,
``--pipeline-options TRANSFORM.KEY=VALUE`` one transform of every pipeline
(e.g. an encoding choice: ``S2IEncode.scaling=centred``),
``--dataset-options KEY=VALUE`` every loader's dataset (e.g.
``preprocess.align=False``),
``--pretrain-options`` the MAE pretraining alone (e.g.
``model.backbone.mask_ratio=0.9``), and ``--stages`` runs a subset.

Example (NW-UCLA cross-view; see docs/benchmarks.md)::

    python tools/data/convert_nw_ucla.py all_sqe data/nw_ucla/nw_ucla.pkl
    python benchmarks/real_data.py data/nw_ucla/nw_ucla.pkl \\
        --train-split xview_train --val-split xview_val
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.apis.tool_jobs import (
    TEST_METRICS,
    Step,
    StepRunner,
    cfg_options,
    progress_columns,
    read_test_metrics,
    schedule_options,
    tool,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

CONFIGS = 'configs/s2i_mae_cpu'
PRETRAIN_CFG = f'{CONFIGS}/mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py'
LINEAR_CFG = f'{CONFIGS}/vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py'
SCRATCH_CFG = f'{CONFIGS}/vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py'
FINETUNE_CFG = f'{CONFIGS}/vit-w128-p8_ft-1xb64-100e_s2i32-cpu.py'

#: epochs of each step per budget; ``small`` is what the configs hold
BUDGETS = {
    'small': dict(mae=300, probe=50, supervised=100, finetune=100),
    'full': dict(mae=800, probe=100, supervised=200, finetune=200),
}
WARMUP = dict(mae=0.1, probe=0.1, supervised=0.1, finetune=0.1)
STAGES = ('mae', 'probe', 'random_probe', 'supervised', 'finetune')
ROWS = (('probe', 'linear probe, MAE-pretrained'),
        ('random_probe', 'linear probe, random init'),
        ('supervised', 'supervised from scratch'),
        ('finetune', 'fine-tuned from MAE'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='MAE pretraining, linear probes (MAE vs random init), '
        'supervised training and fine-tuning of the S2I CPU recipe on a '
        'converted skeleton dataset, through the real tools')
    parser.add_argument('ann_file', help='annotation .pkl or packed store')
    parser.add_argument('--train-split', required=True)
    parser.add_argument('--val-split', required=True)
    parser.add_argument(
        '--format', default=None,
        help='skeleton format (name or spec file); default: the one the '
        'file records')
    parser.add_argument('--budget', choices=sorted(BUDGETS),
                        default='small')
    parser.add_argument(
        '--epochs', nargs='+', default=[], metavar='STEP=N',
        help='override the budget\'s epochs of a step (mae, probe, '
        'supervised, finetune), e.g. mae=100; N >= 2: each schedule has a '
        'warm-up epoch then at least one cosine epoch')
    parser.add_argument('--stages', nargs='+', choices=STAGES,
                        default=list(STAGES), help='steps to run')
    parser.add_argument('--work-dir', default='work_dirs/real_data')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per process (two at once)')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='config overrides passed to every step')
    parser.add_argument(
        '--pipeline-options', nargs='+', default=[],
        metavar='TRANSFORM.KEY=VALUE',
        help='set an argument of every transform of that type in every '
        'pipeline of every step, e.g. S2IEncode.scaling=fixed')
    parser.add_argument(
        '--dataset-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='set an argument of the dataset of every loader of every '
        'step, e.g. preprocess.align=False')
    parser.add_argument(
        '--pretrain-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='config overrides of the MAE pretraining step only, e.g. '
        'model.backbone.mask_ratio=0.9')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    args.epoch_plan = dict(BUDGETS[args.budget])
    for option in args.epochs:
        step, _, value = option.partition('=')
        if step not in args.epoch_plan or not value.isdigit() or int(
                value) < 2:
            parser.error(f'--epochs takes STEP=N with STEP in '
                         f'{sorted(args.epoch_plan)} and N >= 2, got '
                         f'{option!r}')
        args.epoch_plan[step] = int(value)
    if 'probe' in args.stages or 'finetune' in args.stages:
        if 'mae' not in args.stages:
            parser.error('probe and finetune need the mae stage')
    return args


def dataset_facts(ann_file: str, fmt) -> Dict:
    """Format and number of classes of a converted dataset.

    The format is resolved as the dataset resolves it
    (:func:`~s2i_mm.fileio.annotation.resolve_format`: a spec path the file
    records is read from the file's folder); ``format`` is what the steps
    are given: ``fmt`` (a spec path made absolute), or None to let each
    step's dataset read the file's own record. ``format_name`` is the
    layout's name.
    """
    from s2i_mm.fileio.annotation import (
        load_annotation_file,
        resolve_format,
    )
    from s2i_mm.fileio.store import SkeletonStore, is_store
    from s2i_mm.formats.format_reference import is_spec_path
    if is_store(ann_file):
        store = SkeletonStore(ann_file)
        recorded, classes = store.skeleton_format, store.classes
        labels = [int(x) for x in store.labels]
    else:
        data = load_annotation_file(ann_file)
        recorded, classes = data.get('skeleton_format'), data.get('classes')
        labels = [int(a['label']) for a in data['annotations']]
    if fmt is not None and is_spec_path(fmt):
        fmt = osp.abspath(fmt)  # the steps run from the repository root
    name = resolve_format(ann_file, fmt, recorded, '--format').name
    return dict(format=fmt, format_name=name,
                num_classes=len(classes) if classes else max(labels) + 1)


def data_options(args, facts: Dict) -> Dict[str, object]:
    """Point every loader at the dataset, and size the classifier head."""
    options = {}
    for loader, split in (('train', args.train_split),
                          ('val', args.val_split),
                          ('test', args.val_split)):
        prefix = f'{loader}_dataloader.dataset.'
        options.update({
            prefix + 'ann_file': osp.abspath(args.ann_file),
            prefix + 'split': split,
            # None: the dataset reads the file's own record
            prefix + 'skeleton_format': facts['format'],
            **{prefix + key: value for key, value in split_options(
                args.dataset_options).items()},
        })
    return options


def split_options(options: List[str]) -> Dict[str, str]:
    """``['k=v', ...]`` -> ``{'k': 'v', ...}``."""
    pairs = {}
    for option in options:
        key, sep, value = option.partition('=')
        if not sep:
            raise SystemExit(f'error: expected KEY=VALUE, got {option!r}')
        pairs[key] = value
    return pairs


def pipeline_overrides(config: str, options: Dict[str, str]) -> Dict:
    """``--cfg-options`` keys that set ``TRANSFORM.KEY`` in every pipeline
    of ``config`` (``train/val/test_dataloader.dataset.pipeline.I.KEY``).

    Raises:
        SystemExit: If no pipeline of the config has that transform.
    """
    if not options:
        return {}
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    found = {}
    for name, value in options.items():
        transform, _, key = name.rpartition('.')
        this = {}
        for loader in ('train_dataloader', 'val_dataloader',
                       'test_dataloader'):
            pipeline = ((cfg.get(loader) or {}).get('dataset') or
                        {}).get('pipeline') or []
            for i, step in enumerate(pipeline):
                if step.get('type', '').split('.')[-1] == transform:
                    this[f'{loader}.dataset.pipeline.{i}.{key}'] = value
        if not this:
            raise SystemExit(f'error: no {transform} in the pipelines of '
                             f'{config}')
        found.update(this)
    return found


def build_lanes(args, facts: Dict) -> tuple:
    """The steps, in two lanes, and the test dirs to read metrics from."""
    work = args.work_dir
    epochs = args.epoch_plan
    data = data_options(args, facts)
    user = split_options(args.cfg_options)
    transforms = split_options(args.pipeline_options)
    head = {'model.head.num_classes': facts['num_classes']}
    seed = ['--seed', args.seed]
    pretrained = osp.join(work, 'mae', f'epoch_{epochs["mae"]}.pth')
    lanes: List[List[Step]] = [[], []]
    tests = {}

    def log(name):
        return osp.join(work, 'logs', f'{name}.log')

    def train_and_test(name, config, stage, extra, lane):
        train_dir, test_dir = (osp.join(work, name),
                               osp.join(work, f'test_{name}'))
        options = cfg_options({
            **data, **head, **user,
            **pipeline_overrides(config, transforms),
            **schedule_options(epochs[stage], WARMUP[stage]),
            'train_cfg.val_interval': epochs[stage], **extra})
        ckpt = osp.join(train_dir, f'epoch_{epochs[stage]}.pth')
        lanes[lane] += [
            Step(f'{name}: train', tool('tools/train.py', config,
                                        '--work-dir', train_dir, *seed,
                                        *options),
                 log(name), epochs=epochs[stage]),
            Step(f'{name}: test', tool('tools/test.py', config, ckpt,
                                       '--work-dir', test_dir, *options),
                 log(f'test_{name}'))]
        tests[name] = test_dir

    if 'mae' in args.stages:
        options = cfg_options({
            **{k: v for k, v in data.items() if k.startswith('train_')},
            **user, **pipeline_overrides(PRETRAIN_CFG, transforms),
            **split_options(args.pretrain_options),
            **schedule_options(epochs['mae'], WARMUP['mae'])})
        lanes[0].append(
            Step('MAE pretraining', tool('tools/train.py', PRETRAIN_CFG,
                                         '--work-dir',
                                         osp.join(work, 'mae'), *seed,
                                         *options),
                 log('mae'), epochs=epochs['mae']))
    init = {'model.backbone.init_cfg.checkpoint': pretrained}
    if 'probe' in args.stages:
        train_and_test('probe', LINEAR_CFG, 'probe', init, 0)
    if 'finetune' in args.stages:
        train_and_test('finetune', FINETUNE_CFG, 'finetune', init, 0)
    if 'random_probe' in args.stages:
        train_and_test('random_probe', LINEAR_CFG, 'probe',
                       {'model.backbone.init_cfg': None}, 1)
    if 'supervised' in args.stages:
        train_and_test('supervised', SCRATCH_CFG, 'supervised', {}, 1)
    return [lane for lane in lanes if lane], tests


def results_table(results: Dict[str, Dict[str, float]], title: str) -> Table:
    table = Table(title=title)
    table.add_column('run')
    for _, label in TEST_METRICS:
        table.add_column(label, justify='right')
    for key, label in ROWS:
        if key in results:
            table.add_row(label, *(f'{results[key][k]:.2f}'
                                   for k, _ in TEST_METRICS))
    if 'probe' in results and 'random_probe' in results:
        table.add_row('[bold]MAE probe - random probe[/bold]',
                      *(f'{results["probe"][k] - results["random_probe"][k]:+.2f}'  # noqa: E501
                        for k, _ in TEST_METRICS))
    return table


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    console = Console()
    facts = dataset_facts(args.ann_file, args.format)
    args.ann_file = osp.abspath(args.ann_file)
    args.work_dir = osp.abspath(args.work_dir)
    os.chdir(REPO)  # the steps' config paths are relative to the repo
    lanes, tests = build_lanes(args, facts)
    with Progress(*progress_columns(), console=console) as progress:
        runner = StepRunner(progress, args.threads)
        for lane in lanes:
            for step in lane:
                runner.add(step)
        runner.run_parallel(lanes)
        results = {name: read_test_metrics(d)
                   for name, d in tests.items()}
    wall = time.perf_counter() - start
    console.print(results_table(
        results, f'{osp.basename(args.ann_file)}: {args.train_split} -> '
        f'{args.val_split}, {args.budget} budget (%)'))
    summary = {
        'ann_file': osp.abspath(args.ann_file),
        'train_split': args.train_split, 'val_split': args.val_split,
        'format': facts['format_name'], 'budget': args.budget,
        'epochs': args.epoch_plan, 'cfg_options': args.cfg_options,
        'pipeline_options': args.pipeline_options,
        'pretrain_options': args.pretrain_options,
        'dataset_options': args.dataset_options,
        **{f'{name}_{key.split("/")[1]}': round(value, 2)
           for name, metrics in results.items()
           for key, value in metrics.items()},
        'wall_time_s': round(wall, 1),
    }
    with open(osp.join(args.work_dir, 'results.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
