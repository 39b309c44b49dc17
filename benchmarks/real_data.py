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

Universal pretraining: ``--pretrain-on ANN[:SPLIT] ...`` pretrains on any
number of converted files of any layouts (a ``MixedFormatDataset``, its
config written to ``<work-dir>/configs/mae_pretrain.py``) instead of the
train split; ``--leave-one-out`` drops the target file from that list;
``--pretrained CKPT`` skips pretraining and probes / fine-tunes a given
checkpoint. ``--iters STEP=N`` gives a step a fixed number of iterations
whatever the data size.

Example (NW-UCLA cross-view; see docs/benchmarks.md)::

    python tools/data/convert_nw_ucla.py all_sqe data/nw_ucla/nw_ucla.pkl
    python benchmarks/real_data.py data/nw_ucla/nw_ucla.pkl \\
        --train-split xview_train --val-split xview_val
    # leave one set out: pretrain on MSR-Action3D and UTD-MHAD only
    python benchmarks/real_data.py data/nw_ucla/nw_ucla.pkl \\
        --train-split xview_train --val-split xview_val --leave-one-out \\
        --pretrain-on data/nw_ucla/nw_ucla.pkl:xview_train \\
        data/msr/msr.pkl:xsub_train data/utd/utd.pkl:xsub_train
"""
import argparse
import copy
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional, Tuple

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.apis.tool_jobs import (
    TEST_METRICS,
    Step,
    add_in_process_arg,
    cfg_options,
    dataset_facts,
    make_runner,
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
    add_in_process_arg(parser)
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
    parser.add_argument(
        '--iters', nargs='+', default=[], metavar='STEP=N',
        help='train a step (mae, probe, supervised, finetune) for exactly '
        'N iterations whatever the size of its data, instead of epochs: '
        'E epochs of N/E batches drawn without repetition, E the divisor '
        'of N that makes an epoch closest to one pass over the data; '
        'e.g. mae=3900 probe=1000')
    parser.add_argument(
        '--pretrain-on', nargs='+', default=[], metavar='ANN[:SPLIT]',
        help='MAE-pretrain on these converted files (any number, any '
        'skeleton formats, each read with the format it records; SPLIT '
        'omitted: every sample of the file) instead of the train split; '
        'the target file is then probed / fine-tuned as usual; '
        '--dataset-options and --pipeline-options reach every file')
    parser.add_argument(
        '--leave-one-out', action='store_true',
        help='pretrain on the --pretrain-on files other than the target '
        'file (which must be among them), so that one list serves every '
        'target')
    parser.add_argument(
        '--pretrained', metavar='CKPT', default=None,
        help='probe / fine-tune this MAE checkpoint (e.g. '
        '<work-dir>/mae/epoch_N.pth of an earlier run, pretrained on '
        'other files) instead of pretraining; skips the mae stage')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    args.epoch_plan = dict(BUDGETS[args.budget])
    args.iter_plan = {}
    for flag, plan in (('--epochs', args.epoch_plan),
                       ('--iters', args.iter_plan)):
        for option in getattr(args, flag[2:]):
            step, _, value = option.partition('=')
            if step not in BUDGETS['small'] or not value.isdigit() or int(
                    value) < 2:
                parser.error(f'{flag} takes STEP=N with STEP in '
                             f'{sorted(BUDGETS["small"])} and N >= 2, got '
                             f'{option!r}')
            plan[step] = int(value)
    args.pretrain_data = [parse_member(spec) for spec in args.pretrain_on]
    if args.leave_one_out:
        if not args.pretrain_on:
            parser.error('--leave-one-out needs --pretrain-on')
        target = osp.realpath(args.ann_file)
        others = [m for m in args.pretrain_data
                  if osp.realpath(m[0]) != target]
        if len(others) == len(args.pretrain_data):
            parser.error(f'--leave-one-out: the target {args.ann_file} is '
                         'not among the --pretrain-on files')
        if not others:
            parser.error('--leave-one-out leaves no --pretrain-on file')
        args.pretrain_data = others
    if args.pretrained is not None:
        if args.pretrain_on:
            parser.error('--pretrained and --pretrain-on exclude each other')
        if not osp.isfile(args.pretrained):
            parser.error(f'--pretrained: no file {args.pretrained}')
        args.pretrained = osp.abspath(args.pretrained)
        args.stages = [s for s in args.stages if s != 'mae']
    elif 'probe' in args.stages or 'finetune' in args.stages:
        if 'mae' not in args.stages:
            parser.error('probe and finetune need the mae stage (or '
                         '--pretrained)')
    return args


def parse_member(spec: str) -> Tuple[str, Optional[str]]:
    """``'ANN[:SPLIT]'`` -> ``(absolute ANN, SPLIT or None)``; the split
    is what follows the last colon unless that colon belongs to the path
    (a file ``spec`` names as it is)."""
    ann, sep, split = spec.rpartition(':')
    if not sep or not ann or '/' in split or osp.exists(spec):
        ann, split = spec, None
    return osp.abspath(ann), split or None


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


def parsed(options: Dict[str, object]) -> Dict[str, object]:
    """``options`` as the tools parse them from ``--cfg-options``."""
    from mmengine.config import DictAction
    return {k: DictAction._parse_iterable(v) if isinstance(v, str) else v
            for k, v in options.items()}


def merged_config(config: str, options: Dict[str, object]):
    """``config`` with ``options`` merged as the tools merge them."""
    from mmengine.config import Config

    from s2i_mm.utils.config_options import merge_cfg_options
    cfg = Config.fromfile(config)
    merge_cfg_options(cfg, parsed(options))
    return cfg


def dataset_members(dataset: dict) -> List[Dict]:
    """Each dataset of a loader's ``dataset`` config (the members of a
    ``MixedFormatDataset``), loaded as the tools load it but without its
    pipeline: ``ann_file``, ``split``, ``format`` (as resolved by the
    dataset) and ``samples``.

    Raises:
        SystemExit: One ``error:`` line if a file cannot be read.
    """
    from s2i_mm.registry import DATASETS
    from s2i_mm.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    members = (dataset['datasets'] if str(dataset.get('type')).endswith(
        'MixedFormatDataset') else [dataset])
    found = []
    for member in members:
        member = dict(copy.deepcopy(member), pipeline=[])
        try:
            built = DATASETS.build(member)
            samples = len(built)
        except (OSError, ValueError, KeyError) as err:
            reason = err.args[0] if isinstance(err, KeyError) else err
            raise SystemExit(f'error: {member["ann_file"]} (split '
                             f'{member.get("split")}): {reason}') from None
        found.append(dict(ann_file=member['ann_file'],
                          split=member.get('split'),
                          format=built.skeleton_format, samples=samples))
    return found


def iteration_epochs(iters: int, size: int, batch: int,
                     drop_last: bool) -> Tuple[int, int]:
    """``(epochs, batches per epoch)`` making exactly ``iters``
    iterations: the divisor of ``iters`` (at least 2 epochs, for the
    warm-up) whose epoch is closest to one pass over ``size`` samples."""
    natural = max(1, size // batch if drop_last else -(-size // batch))
    divisors = [e for e in range(2, iters + 1) if iters % e == 0]
    epochs = min(divisors, key=lambda e: (abs(iters / e - natural), e))
    return epochs, iters // epochs


def write_pretrain_config(args, options: Dict[str, object]) -> str:
    """The MAE pretraining config on ``args.pretrain_data``: the recipe's
    with ``options`` merged, its train dataset (pipeline, preprocessing)
    repeated for every file as the members of a ``MixedFormatDataset``,
    each reading the format its file records; written to
    ``<work-dir>/configs/mae_pretrain.py`` once every file has been read
    (:func:`dataset_members`)."""
    cfg = merged_config(PRETRAIN_CFG, options)
    template = cfg.train_dataloader.dataset
    members = []
    for ann_file, split in args.pretrain_data:
        member = copy.deepcopy(template.to_dict())
        member.update(ann_file=ann_file, split=split, skeleton_format=None)
        members.append(member)
    cfg.train_dataloader.dataset = dict(type='MixedFormatDataset',
                                        datasets=members)
    cfg.train_dataloader.sampler = dict(type='MixedFormatSampler',
                                        shuffle=True)
    dataset_members(cfg.train_dataloader.dataset)
    path = osp.join(args.work_dir, 'configs', 'mae_pretrain.py')
    os.makedirs(osp.dirname(path), exist_ok=True)
    cfg.dump(path)
    return path


def build_lanes(args, facts: Dict) -> tuple:
    """The steps, in two lanes, and the test dirs to read metrics from.

    Sets ``args.plan`` (the epochs each stage runs) and
    ``args.pretrain_members`` (the MAE step's data, see
    :func:`dataset_members`).
    """
    work = args.work_dir
    data = data_options(args, facts)
    user = split_options(args.cfg_options)
    transforms = split_options(args.pipeline_options)
    head = {'model.head.num_classes': facts['num_classes']}
    seed = ['--seed', args.seed]
    lanes: List[List[Step]] = [[], []]
    tests = {}
    args.plan, args.pretrain_members = {}, None

    def log(name):
        return osp.join(work, 'logs', f'{name}.log')

    def schedule(stage, config, options):
        """Schedule overrides: the stage's epochs, or its iterations."""
        if stage not in args.iter_plan:
            args.plan[stage] = args.epoch_plan[stage]
            return schedule_options(args.plan[stage], WARMUP[stage])
        loader = merged_config(config, options).train_dataloader
        size = sum(m['samples'] for m in dataset_members(loader.dataset))
        batch = int(loader.batch_size)
        epochs, batches = iteration_epochs(
            args.iter_plan[stage], size, batch,
            bool(loader.get('drop_last')))
        args.plan[stage] = epochs
        return {**schedule_options(epochs, WARMUP[stage]),
                'train_dataloader.sampler.type': 'MixedFormatSampler',
                'train_dataloader.sampler.num_samples': batches * batch}

    def train_and_test(name, config, stage, extra, lane):
        train_dir, test_dir = (osp.join(work, name),
                               osp.join(work, f'test_{name}'))
        options = {**data, **head, **user,
                   **pipeline_overrides(config, transforms), **extra}
        options.update(schedule(stage, config, options))
        epochs = args.plan[stage]
        options = cfg_options({**options, 'train_cfg.val_interval': epochs})
        ckpt = osp.join(train_dir, f'epoch_{epochs}.pth')
        lanes[lane] += [
            Step(f'{name}: train', tool('tools/train.py', config,
                                        '--work-dir', train_dir, *seed,
                                        *options),
                 log(name), epochs=epochs),
            Step(f'{name}: test', tool('tools/test.py', config, ckpt,
                                       '--work-dir', test_dir, *options),
                 log(f'test_{name}'))]
        tests[name] = test_dir

    if 'mae' in args.stages:
        shared = {**user, **pipeline_overrides(PRETRAIN_CFG, transforms)}
        if args.pretrain_data:
            config = write_pretrain_config(args, {
                **shared, **{f'train_dataloader.dataset.{k}': v
                             for k, v in split_options(
                                 args.dataset_options).items()}})
            options = split_options(args.pretrain_options)
            args.pretrain_members = dataset_members(
                merged_config(config, options).train_dataloader.dataset)
        else:
            config = PRETRAIN_CFG
            options = {
                **{k: v for k, v in data.items()
                   if k.startswith('train_')},
                **shared, **split_options(args.pretrain_options)}
        options.update(schedule('mae', config, options))
        lanes[0].append(
            Step('MAE pretraining', tool('tools/train.py', config,
                                         '--work-dir',
                                         osp.join(work, 'mae'), *seed,
                                         *cfg_options(options)),
                 log('mae'), epochs=args.plan['mae']))
    pretrained = args.pretrained or osp.join(
        work, 'mae', f'epoch_{args.plan.get("mae")}.pth')
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
    for member in args.pretrain_members or []:
        console.print(
            f'MAE pretraining data: {member["ann_file"]} split '
            f'{member["split"] or "(all)"}: {member["samples"]} samples, '
            f'format {member["format"]}', markup=False, highlight=False)
    with Progress(*progress_columns(), console=console) as progress:
        runner = make_runner(progress, args.threads, args.in_process)
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
    if args.pretrain_members:
        console.print('MAE pretrained on ' + ', '.join(
            f'{osp.basename(m["ann_file"])}:{m["split"] or "(all)"}'
            for m in args.pretrain_members), markup=False)
    summary = {
        'ann_file': osp.abspath(args.ann_file),
        'train_split': args.train_split, 'val_split': args.val_split,
        'format': facts['format_name'], 'budget': args.budget,
        'epochs': args.plan, 'iters': args.iter_plan,
        'pretrain_data': args.pretrain_members,
        'pretrained': args.pretrained, 'cfg_options': args.cfg_options,
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
