"""A league table on a converted skeleton dataset: S2I against its peers
and against the GCNs, through the real tools, at fixed iteration budgets.

For an annotation ``.pkl`` (any skeleton format) and a train / test split
pair, every row is trained by ``tools/train.py`` on the train split and
tested by ``tools/test.py`` on the test split (the configs' 10 clips per
sample, or ``--test-clips``; scores dumped);
its top-1 / top-5 / mean class accuracy are the ones ``tools/test.py``
logged (``s2i_mm.apis.tool_jobs.read_test_metrics``), its parameters the
ones ``tools/analysis/count_parameters.py`` counts from the run's own
config. The rows (``--rows``; the optional ones are not run by default):

- S2I-MAE (``configs/s2i_mae_cpu/``): linear probe and fine-tuning of one
  MAE pretraining; a random-init probe; supervised from scratch, at its
  own budget and at the GCNs' iterations;
- S2I-DiffMAE: the same probe and fine-tuning on the encoder of a DiffMAE
  pretraining (the MAE one with DiffMAE's objective and decoder);
- S2I three streams: MAE pretrainings and linear probes of the bone and
  motion streams, the score fusion of the joint, bone and motion probes
  (``tools/analysis/fuse_scores.py``), and one model with the three frozen
  encoders and a learnt late-fusion head (trained at the probe budget);
- the GCNs (``configs/gcn_cpu/``): ST-GCN and STGCN++ (joint), from
  scratch on the dataset's own graph; optional: STGCN++ bone and motion
  and the three streams' score fusion;
- the peers of ``projects/`` on sequences of the same data: Skeleton2vec
  and SkeletonMAE pretraining, each with the same linear probe, and the
  probe of each peer's randomly initialised encoder.

A score fusion weighs its streams equally, or, with ``--val-split``, with
the weights of best top-1 on a held-out split (``fuse_scores.py
--search``): the streams' models, trained on the train split, are also
tested on the val split, the weights are searched on those dumps and
applied to the test dumps. The search is honest only with a val split
disjoint from the train split, e.g. ``--train-split xview_dev_train
--val-split xview_dev_val --test-split xview_val``; a val split inside the
train split gives optimistic weights (the streams have fit it).

A budget (``--budget``) is an iteration count per role (pretraining,
probe, fine-tuning, supervised, GCN), the same for every dataset; each
run gets the whole epochs closest to it on its split (at least 2), and
the table gives the iterations it ran. One lane runs one tool at a time
(``--lanes 2`` runs two side by side), one torch thread each
(``--threads``); ``--in-process`` runs the tools' ``main(argv)`` in this
process instead of child processes (no start-up cost per tool).
Output: a rich table, ``<work-dir>/league.md`` (markdown) and
``<work-dir>/results.json``, whose content is also the last line printed.

Example (NW-UCLA cross-view; docs/benchmarks.md, "League on the three dev
sets")::

    nice -n 10 python benchmarks/league.py data/nw_ucla/nw_ucla.pkl \\
        --train-split xview_train --test-split xview_val --budget small
"""
import argparse
import json
import math
import os
import os.path as osp
import sys
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from s2i_mm.apis.tool_jobs import (
    Step,
    StepFailed,
    add_in_process_arg,
    cfg_options,
    dataset_facts,
    fit_schedule,
    git_commit,
    make_runner,
    progress_columns,
    read_test_metrics,
    repo_path,
    tool,
    write_json,
)
from s2i_mm.fileio.atomic import atomic_path

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

S2I = 'configs/s2i_mae_cpu/'
GCN = 'configs/gcn_cpu/'
S2V = 'projects/skeleton2vec/configs/'
SMAE = 'projects/skeletonmae/configs/'

#: iterations (at the batch size, 64) of each role, per budget. ``small``
#: is sized for the league on the three dev sets (NW-UCLA, MSR-Action3D,
#: UTD-MHAD) within about an hour of one shared core: a GCN training step
#: costs ~28x an S2I one per sample and a test clip ~30x (measured with
#: benchmarks/gcn_step_time.py, docs/benchmarks.md), so the GCNs get 20
#: iterations (the 2 epochs minimum on NW-UCLA: 32) and the S2I ViT is
#: also trained for those 20 (same iterations) besides its own 150 (still
#: less CPU time than the GCN's 20); each pretraining gets 200, every
#: probe 100. ``recipe`` is the S2I CPU recipe's epochs on NW-UCLA
#: cross-view (1,020 sequences, 16 iterations per epoch): MAE 300, probes
#: 50, supervised and fine-tuning 100; the GCNs as the supervised ViT
#: (several CPU hours per dataset).
BUDGETS = {
    'small': dict(pretrain=200, probe=100, finetune=150, supervised=150,
                  gcn=20),
    'recipe': dict(pretrain=4800, probe=750, finetune=1600,
                   supervised=1600, gcn=1600),
}


@dataclass
class Pretraining:
    """A self-supervised pretraining that probe rows start from."""
    key: str
    title: str
    config: str
    family: str
    budget: str = 'pretrain'


@dataclass
class Row:
    """One line of the league.

    Attributes:
        key (str): Short name (folders, JSON keys, ``--rows``).
        title (str): Name in the table.
        family (str): ``s2i``, ``gcn``, ``skeleton2vec`` or ``skeletonmae``
            (which options set the format and the head).
        config (str): Training config (none for a fusion row).
        budget (str): Key of :data:`BUDGETS` giving its iterations.
        pretrain (str, optional): Key of the pretraining it starts from.
        stream_pretrains (dict): For a multi-stream model, its streams
            (``model.streams`` keys) -> the key of the pretraining each
            stream's encoder starts from.
        options (dict): Its own ``--cfg-options``.
        fuse (list[str]): For a score-fusion row, the rows it fuses.
        default (bool): Run without ``--rows``.
    """
    key: str
    title: str
    family: str
    config: Optional[str] = None
    budget: str = 'supervised'
    pretrain: Optional[str] = None
    stream_pretrains: Dict[str, str] = field(default_factory=dict)
    options: Dict[str, object] = field(default_factory=dict)
    fuse: List[str] = field(default_factory=list)
    default: bool = True

    @property
    def pretrainings(self) -> List[str]:
        """Keys of the pretrainings it starts from."""
        return [self.pretrain] if self.pretrain else list(
            self.stream_pretrains.values())


PRETRAININGS = {
    p.key: p for p in (
        Pretraining('s2i_mae', 'S2I-MAE',
                    S2I + 'mae_vit-w128-p8_1xb64-300e_s2i32-cpu.py', 's2i'),
        Pretraining('s2i_diffmae', 'S2I-DiffMAE',
                    S2I + 'diffmae_vit-w128-p8_1xb64-300e_s2i32-cpu.py',
                    's2i'),
        Pretraining('s2i_mae_bone', 'S2I-MAE bone',
                    S2I + 'mae_vit-w128-p8_1xb64-bone-300e_s2i32-cpu.py',
                    's2i'),
        Pretraining('s2i_mae_motion', 'S2I-MAE motion',
                    S2I + 'mae_vit-w128-p8_1xb64-motion-300e_s2i32-cpu.py',
                    's2i'),
        Pretraining('skeleton2vec', 'Skeleton2vec',
                    S2V + 'skeleton2vec_skt-w128-l4_1xb64-300e_seq32-cpu.py',
                    'skeleton2vec'),
        Pretraining('skeletonmae', 'SkeletonMAE',
                    SMAE + 'skeletonmae_gin-w128-l3_1xb64-300e_seq32-cpu.py',
                    'skeletonmae'),
    )
}
NO_INIT = {'model.backbone.init_cfg': None}
PROBE = S2I + 'vit-w128-p8_linear-1xb64-50e_s2i32-cpu.py'
FINETUNE = S2I + 'vit-w128-p8_ft-1xb64-100e_s2i32-cpu.py'
S2V_PROBE = S2V + 'skt-w128-l4_linear-1xb64-50e_seq32-cpu.py'
SMAE_PROBE = SMAE + 'gin-w128-l3_linear-1xb64-50e_seq32-cpu.py'
S2I_STREAMS = ['s2i_mae_probe', 's2i_mae_bone_probe', 's2i_mae_motion_probe']
ROWS = [
    Row('s2i_mae_probe', 'S2I-MAE, linear probe', 's2i', PROBE, 'probe',
        pretrain='s2i_mae'),
    Row('s2i_mae_finetune', 'S2I-MAE, fine-tuned', 's2i', FINETUNE,
        'finetune', pretrain='s2i_mae'),
    Row('s2i_diffmae_probe', 'S2I-DiffMAE, linear probe', 's2i', PROBE,
        'probe', pretrain='s2i_diffmae'),
    Row('s2i_diffmae_finetune', 'S2I-DiffMAE, fine-tuned', 's2i', FINETUNE,
        'finetune', pretrain='s2i_diffmae'),
    Row('s2i_mae_bone_probe', 'S2I-MAE bone, linear probe', 's2i',
        S2I + 'vit-w128-p8_linear-1xb64-bone-50e_s2i32-cpu.py', 'probe',
        pretrain='s2i_mae_bone'),
    Row('s2i_mae_motion_probe', 'S2I-MAE motion, linear probe', 's2i',
        S2I + 'vit-w128-p8_linear-1xb64-motion-50e_s2i32-cpu.py', 'probe',
        pretrain='s2i_mae_motion'),
    Row('s2i_3s_fusion', 'S2I-MAE joint + bone + motion probes, score '
        'fusion', 's2i', fuse=S2I_STREAMS),
    Row('s2i_3s_late_fusion', 'S2I-MAE three streams, one model, '
        'late-fusion head (linear probe)', 's2i',
        S2I + 'vit-w128-p8_linear-1xb64-3stream-50e_s2i32-cpu.py', 'probe',
        stream_pretrains=dict(j='s2i_mae', m='s2i_mae_motion',
                              b='s2i_mae_bone')),
    Row('s2i_random_probe', 'S2I ViT random init, linear probe', 's2i',
        PROBE, 'probe', options=NO_INIT),
    Row('s2i_supervised', 'S2I ViT, supervised from scratch', 's2i',
        S2I + 'vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py', 'supervised'),
    Row('s2i_supervised_gcn', 'S2I ViT, supervised, GCN iterations', 's2i',
        S2I + 'vit-w128-p8_scratch-1xb64-100e_s2i32-cpu.py', 'gcn'),
    Row('stgcnpp', 'STGCN++ joint, supervised', 'gcn',
        GCN + 'stgcnpp_1xb64-joint-100e_gcn32-cpu.py', 'gcn'),
    Row('stgcn', 'ST-GCN joint, supervised', 'gcn',
        GCN + 'stgcn_1xb64-joint-100e_gcn32-cpu.py', 'gcn'),
    Row('stgcnpp_bone', 'STGCN++ bone, supervised', 'gcn',
        GCN + 'stgcnpp_1xb64-bone-100e_gcn32-cpu.py', 'gcn', default=False),
    Row('stgcnpp_motion', 'STGCN++ motion, supervised', 'gcn',
        GCN + 'stgcnpp_1xb64-motion-100e_gcn32-cpu.py', 'gcn',
        default=False),
    Row('stgcnpp_3s', 'STGCN++ joint + bone + motion, score fusion', 'gcn',
        fuse=['stgcnpp', 'stgcnpp_bone', 'stgcnpp_motion'], default=False),
    Row('skeleton2vec_probe', 'Skeleton2vec, linear probe', 'skeleton2vec',
        S2V_PROBE, 'probe', pretrain='skeleton2vec'),
    Row('skeletonmae_probe', 'SkeletonMAE, linear probe', 'skeletonmae',
        SMAE_PROBE, 'probe', pretrain='skeletonmae'),
    # each peer's gain over its own random init, as s2i_random_probe's
    Row('skeleton2vec_random_probe', 'Skeleton2vec random init, linear probe',
        'skeleton2vec', S2V_PROBE, 'probe', options=NO_INIT),
    Row('skeletonmae_random_probe', 'SkeletonMAE random init, linear probe',
        'skeletonmae', SMAE_PROBE, 'probe', options=NO_INIT),
]
ROW_KEYS = [r.key for r in ROWS]
ROW_BY_KEY = {r.key: r for r in ROWS}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='S2I-MAE, its peers of projects/ and mmaction2 GCNs '
        'on one converted skeleton dataset, through the real tools, at '
        'fixed iteration budgets')
    parser.add_argument('ann_file', help='annotation .pkl or packed store')
    parser.add_argument('--train-split', required=True)
    parser.add_argument('--test-split', required=True)
    parser.add_argument(
        '--val-split', default=None,
        help='held-out split on which the score-fusion rows search their '
        'weights (their streams, trained on --train-split, are also tested '
        'on it); disjoint from --train-split for an honest search. '
        'Default: equal weights')
    parser.add_argument(
        '--format', default=None,
        help='skeleton format (name or spec file); default: the one the '
        'file records')
    parser.add_argument('--budget', choices=sorted(BUDGETS),
                        default='small')
    parser.add_argument(
        '--iters', nargs='+', default=[], metavar='ROLE=N',
        help='override the budget\'s iterations of a role (pretrain, '
        'probe, finetune, supervised, gcn), e.g. gcn=100')
    parser.add_argument('--rows', nargs='+', choices=ROW_KEYS,
                        help='rows to run (default: every default row); '
                        'a fusion row needs its streams')
    parser.add_argument(
        '--test-clips', type=int, default=None,
        help='clips per test sample of every row (default: the configs\' '
        '10); a GCN test clip costs ~30x an S2I one')
    parser.add_argument('--batch-size', type=int, default=64,
                        help='training batch size of every run')
    parser.add_argument('--work-dir', default='work_dirs/league')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads per tool process')
    parser.add_argument('--lanes', type=int, default=1,
                        help='tool processes side by side')
    add_in_process_arg(parser)
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='config overrides passed to every training and test')
    args = parser.parse_args(argv)
    args.iter_plan = dict(BUDGETS[args.budget])
    for option in args.iters:
        role, _, value = option.partition('=')
        if role not in args.iter_plan or not value.isdigit() or int(
                value) < 1:
            parser.error(f'--iters takes ROLE=N with ROLE in '
                         f'{sorted(args.iter_plan)} and N >= 1, got '
                         f'{option!r}')
        args.iter_plan[role] = int(value)
    args.rows = args.rows or [r.key for r in ROWS if r.default]
    for row in ROWS:
        missing = [k for k in row.fuse if k not in args.rows]
        if row.key in args.rows and missing:
            parser.error(f'row {row.key} fuses {missing}: add them to '
                         '--rows')
    if args.batch_size < 2 or args.lanes < 1 or args.threads < 1:
        parser.error('need --batch-size >= 2, --lanes >= 1, --threads >= 1')
    if args.test_clips is not None and args.test_clips < 1:
        parser.error('--test-clips must be >= 1')
    if args.val_split is not None and args.val_split == args.test_split:
        parser.error('--val-split must differ from --test-split: weights '
                     'searched on the test split are no result')
    return args


def _config(path: str):
    from mmengine.config import Config
    return Config.fromfile(osp.join(REPO, path), import_custom_modules=False)


def epochs_for(config: str, iters: int, samples: int,
               batch_size: int) -> tuple:
    """Whole epochs closest to ``iters`` iterations (at least 2) of
    ``samples`` at ``batch_size`` (dropping a last partial batch if the
    config does), and the iterations they are."""
    cfg = _config(config)
    drop_last = cfg.train_dataloader.get('drop_last', False)
    per_epoch = (samples // batch_size if drop_last else
                 math.ceil(samples / batch_size))
    if per_epoch < 1:
        raise SystemExit(f'error: {samples} training samples make no batch '
                         f'of {batch_size}')
    epochs = max(2, round(iters / per_epoch))
    return epochs, epochs * per_epoch


def schedule(config: str, epochs: int) -> Dict:
    """Overrides fitting ``config``'s schedule to ``epochs``: warm-up +
    cosine (``fit_schedule``) or the GCNs' cosine alone."""
    cfg = _config(config)
    if len(cfg.param_scheduler) == 1:
        return {'train_cfg.max_epochs': epochs,
                'param_scheduler.0.T_max': epochs,
                'default_hooks.checkpoint.interval': epochs}
    return fit_schedule(config, epochs)


def data_options(args, facts: Dict, train_only: bool = False) -> Dict:
    """Point the loaders at the dataset, its splits and its format."""
    options = {}
    loaders = (('train', args.train_split), ('val', args.test_split),
               ('test', args.test_split))
    for loader, split in loaders[:1] if train_only else loaders:
        prefix = f'{loader}_dataloader.dataset.'
        options.update({prefix + 'ann_file': osp.abspath(args.ann_file),
                        prefix + 'split': split,
                        prefix + 'skeleton_format': facts['format_ref']})
    options['train_dataloader.batch_size'] = args.batch_size
    return options


def clip_options(config: str, clips: Optional[int]) -> Dict:
    """Overrides setting the clips per test sample of ``config``'s val
    and test pipelines (their first step samples the frames)."""
    if clips is None:
        return {}
    cfg = _config(config)
    options = {}
    for loader in ('val_dataloader', 'test_dataloader'):
        first = cfg[loader].dataset.pipeline[0]
        if not first.type.endswith('SampleFrames'):
            raise SystemExit(f'error: {config}: the {loader} pipeline does '
                             'not start with frame sampling')
        options[f'{loader}.dataset.pipeline.0.num_clips'] = clips
    return options


def format_options(family: str, facts: Dict, config: str,
                   pretraining: bool = False) -> Dict:
    """Overrides fitting a model of ``family`` to the dataset's format and
    classes."""
    fmt, joints = facts['format_ref'], facts['num_joints']
    options = {}
    if not pretraining:
        head = 'cls_head' if family == 'gcn' else 'head'
        options[f'model.{head}.num_classes'] = facts['num_classes']
    if family == 'gcn':
        options['model.backbone.graph_cfg.layout'] = fmt
    elif family == 'skeleton2vec':
        options['model.backbone.num_joints'] = joints
        if pretraining:
            segments = _config(config).model.neck.grid[0]
            options['model.neck.grid'] = f'({segments},{joints})'
    elif family == 'skeletonmae':
        parts = ('backbone', 'neck', 'head') if pretraining else (
            'backbone', )
        options.update({f'model.{p}.skeleton_format': fmt for p in parts})
    return options


def user_options(options: List[str]) -> Dict[str, str]:
    pairs = {}
    for option in options:
        key, sep, value = option.partition('=')
        if not sep:
            raise SystemExit(f'error: expected KEY=VALUE, got {option!r}')
        pairs[key] = value
    return pairs


class League:
    """The steps of a league run and where their results are.

    Attributes:
        groups (list[list[Step]]): Steps that must run in order (a
            pretraining and the rows starting from it; a fusion and its
            streams), one group per list.
        plan (dict): Per row, its work folders, epochs and iterations.
    """

    def __init__(self, args, facts: Dict) -> None:
        self.args, self.facts = args, facts
        self.work = args.work_dir
        self.user = user_options(args.cfg_options)
        self.train_samples = facts['split_sizes'][args.train_split]
        self.plan: Dict[str, Dict] = {}
        self.pretrain_plan: Dict[str, Dict] = {}
        rows = [r for r in ROWS if r.key in args.rows]
        #: the rows whose scores a fusion row fuses
        self.streams = {k for r in rows for k in r.fuse}
        self.groups = [self._group(keys) for keys in dependent_sets(rows)]
        self.groups.sort(key=len, reverse=True)
        self.count_step = Step(
            'count parameters',
            tool('tools/analysis/count_parameters.py',
                 *(osp.join(self.work, 'configs', f'{r.key}.py')
                   for r in rows if not r.fuse), '--out',
                 osp.join(self.work, 'parameters.json')),
            self._log('count_parameters'))

    def _group(self, keys: set) -> List[Step]:
        """The steps of the pretrainings and rows named in ``keys``, in
        the order they need: pretrainings, rows, fusions."""
        steps = [self._pretrain(p) for k, p in PRETRAININGS.items()
                 if k in keys]
        rows = [r for r in ROWS if r.key in keys]
        steps += [s for r in rows if not r.fuse for s in self._row(r)]
        return steps + [self._fusion(r) for r in rows if r.fuse]

    def _log(self, name):
        return osp.join(self.work, 'logs', f'{name}.log')

    def _epochs(self, config, role):
        return epochs_for(config, self.args.iter_plan[role],
                          self.train_samples, self.args.batch_size)

    def _pretrain(self, pre: Pretraining) -> Step:
        epochs, iters = self._epochs(pre.config, pre.budget)
        work = osp.join(self.work, pre.key)
        options = cfg_options({
            **data_options(self.args, self.facts, train_only=True),
            **format_options(pre.family, self.facts, pre.config, True),
            **self.user, **schedule(pre.config, epochs)})
        self.pretrain_plan[pre.key] = dict(
            epochs=epochs, iters=iters, work_dir=work,
            checkpoint=osp.join(work, f'epoch_{epochs}.pth'))
        return Step(f'{pre.key}: pretrain',
                    tool('tools/train.py', pre.config, '--work-dir', work,
                         '--seed', self.args.seed, *options),
                    self._log(pre.key), epochs=epochs)

    def _row(self, row: Row) -> List[Step]:
        epochs, iters = self._epochs(row.config, row.budget)
        train_dir = osp.join(self.work, row.key)
        test_dir = osp.join(self.work, f'test_{row.key}')
        extra = dict(row.options)
        if row.pretrain:
            extra['model.backbone.init_cfg.checkpoint'] = \
                self.pretrain_plan[row.pretrain]['checkpoint']
        for stream, key in row.stream_pretrains.items():
            extra[f'model.streams.{stream}.backbone.init_cfg.checkpoint'] = \
                self.pretrain_plan[key]['checkpoint']
        common = {**data_options(self.args, self.facts),
                  **format_options(row.family, self.facts, row.config),
                  **clip_options(row.config, self.args.test_clips),
                  **self.user, **schedule(row.config, epochs), **extra}
        # no validation during training: tools/test.py tests once
        train = cfg_options({**common, 'train_cfg.val_begin': epochs + 1})
        test = cfg_options(common)
        ckpt = osp.join(train_dir, f'epoch_{epochs}.pth')
        dump = osp.join(test_dir, 'scores.pkl')
        self.plan[row.key] = dict(epochs=epochs, iters=iters,
                                  train_dir=train_dir, test_dir=test_dir,
                                  dump=dump, config=row.config)
        # the run's config as the tools saw it, for count_parameters.py
        self.plan[row.key]['saved_config'] = osp.join(
            train_dir, osp.basename(row.config))
        steps = [
            Step(f'{row.key}: train',
                 tool('tools/train.py', row.config, '--work-dir', train_dir,
                      '--seed', self.args.seed, *train),
                 self._log(row.key), epochs=epochs),
            Step(f'{row.key}: test',
                 tool('tools/test.py', row.config, ckpt, '--work-dir',
                      test_dir, '--dump', dump, *test),
                 self._log(f'test_{row.key}')),
        ]
        if self.args.val_split and row.key in self.streams:
            # the same model's scores on the held-out split, for the
            # fusion's weight search
            val_dir = osp.join(self.work, f'val_{row.key}')
            val_dump = osp.join(val_dir, 'scores.pkl')
            self.plan[row.key].update(val_dir=val_dir, val_dump=val_dump)
            val = cfg_options({
                **common,
                'test_dataloader.dataset.split': self.args.val_split})
            steps.append(
                Step(f'{row.key}: test on val',
                     tool('tools/test.py', row.config, ckpt, '--work-dir',
                          val_dir, '--dump', val_dump, *val),
                     self._log(f'val_{row.key}')))
        return steps

    def _fusion(self, row: Row) -> Step:
        dumps = [self.plan[k]['dump'] for k in row.fuse]
        weights = []  # equal
        if self.args.val_split:
            weights = ['--search',
                       *(self.plan[k]['val_dump'] for k in row.fuse)]
        self.plan[row.key] = dict(fuse=row.fuse,
                                  log=self._log(row.key))
        return Step(f'{row.key}: fuse',
                    tool('tools/analysis/fuse_scores.py', *dumps, *weights,
                         '--names', *row.fuse),
                    self._log(row.key))

    def lanes(self) -> List[List[Step]]:
        """The groups spread over ``--lanes`` lanes (longest first)."""
        lanes = [[] for _ in range(min(self.args.lanes, len(self.groups)))]
        for i, group in enumerate(self.groups):
            lanes[i % len(lanes)].extend(group)
        return lanes


def dependent_sets(rows: List[Row]) -> List[set]:
    """The rows that must run in order, as sets of row and pretraining
    keys: rows starting from a common pretraining, a fusion and its
    streams, and whatever these join (ROWS order)."""
    sets: List[set] = []
    for row in rows:
        keys = {row.key, *row.pretrainings, *row.fuse}
        joined = [s for s in sets if s & keys]
        for other in joined:
            keys |= other
            sets.remove(other)
        sets.append(keys)
    return sets


def copy_configs(league: League) -> None:
    """Copy each run's saved config (what ``tools/train.py`` ran) to
    ``<work-dir>/configs/<row>.py`` for ``count_parameters.py``."""
    import shutil
    folder = osp.join(league.work, 'configs')
    os.makedirs(folder, exist_ok=True)
    for key, plan in league.plan.items():
        if 'saved_config' in plan:
            shutil.copyfile(plan['saved_config'],
                            osp.join(folder, f'{key}.py'))


def fusion_record(log: str) -> Dict:
    """The JSON line ``fuse_scores.py`` printed last (weights, streams,
    fusion)."""
    with open(log) as f:
        lines = [line for line in f if line.startswith('{')]
    if not lines:
        raise StepFailed(f'no fusion JSON in {log}')
    return json.loads(lines[-1])


def fusion_metrics(record: Dict) -> Dict[str, float]:
    """Top-1 / top-5 / mean class accuracy (%) of a fusion record."""
    fused = record['fusion']
    return {'acc/top1': fused['top1'], 'acc/top5': fused['top5'],
            'acc/mean1': fused['mean_class']}


def pretrain_entry(league: League, keys: List[str], times: Dict) -> Dict:
    """The pretrainings ``keys`` a row starts from (each once): their keys
    joined by ``+``, and their iterations, wall and CPU seconds summed."""
    keys = list(dict.fromkeys(keys))
    if not keys:
        return {}
    spent = [times[f'{k}: pretrain'] for k in keys]
    return dict(
        pretrain='+'.join(keys),
        pretrain_iters=sum(league.pretrain_plan[k]['iters'] for k in keys),
        pretrain_wall_s=sum(t.wall for t in spent),
        pretrain_cpu_s=sum(t.cpu for t in spent))


def collect(league: League, times: Dict) -> Dict[str, Dict]:
    """Every row's figures: metrics, iterations, times, parameters."""
    with open(osp.join(league.work, 'parameters.json')) as f:
        counts = json.load(f)
    results = {}
    for row in ROWS:
        if row.key not in league.plan:
            continue
        plan = league.plan[row.key]
        if row.fuse:
            record = fusion_record(plan['log'])
            metrics = fusion_metrics(record)
            parts = [results[k] for k in row.fuse]
            # the fusion, and the streams' tests on the val split if any
            extra = [times[f'{row.key}: fuse']] + [
                times[f'{k}: test on val'] for k in row.fuse
                if f'{k}: test on val' in times]
            entry = dict(
                iters=sum(p['iters'] for p in parts),
                params=sum(p['params'] for p in parts),
                trainable_params=sum(p['trainable_params'] for p in parts),
                wall_s=sum(p['wall_s'] for p in parts) +
                sum(t.wall for t in extra),
                cpu_s=sum(p['cpu_s'] for p in parts) +
                sum(t.cpu for t in extra),
                weights=record['weights'],
                weights_searched_on=league.args.val_split)
            entry.update(pretrain_entry(
                league, [p for k in row.fuse
                         for p in ROW_BY_KEY[k].pretrainings], times))
        else:
            metrics = read_test_metrics(plan['test_dir'])
            steps = [times[f'{row.key}: train'], times[f'{row.key}: test']]
            count = counts[osp.join(league.work, 'configs',
                                    f'{row.key}.py')]['model']
            entry = dict(
                epochs=plan['epochs'], iters=plan['iters'],
                params=count['all'], trainable_params=count['trainable'],
                train_wall_s=steps[0].wall, test_wall_s=steps[1].wall,
                wall_s=steps[0].wall + steps[1].wall,
                cpu_s=steps[0].cpu + steps[1].cpu,
                train_ms_per_sample=1000 * steps[0].cpu / (
                    plan['iters'] * league.args.batch_size),
                config=plan['config'])
            entry.update(pretrain_entry(league, row.pretrainings, times))
        entry.update({k.split('/')[1]: v for k, v in metrics.items()})
        entry['title'] = row.title
        results[row.key] = _rounded(entry)
    return results


def _rounded(entry: Dict) -> Dict:
    return {k: round(v, 2) if isinstance(v, float) else v
            for k, v in entry.items()}


COLUMNS = (('top1', 'top-1'), ('top5', 'top-5'), ('mean1', 'mean class'))


def title_cell(entry: Dict) -> str:
    """A row's name in the table; a fusion's with its weights and where
    they were searched."""
    if 'weights' not in entry:
        return entry['title']
    weights = ' : '.join(f'{w:g}' for w in entry['weights'])
    where = entry['weights_searched_on']
    return (f'{entry["title"]} (weights {weights}' +
            (f', searched on {where})' if where else ')'))


def table_rows(results: Dict) -> List[List[str]]:
    """Cells of the league table, one list per row."""
    rows = []
    for r in results.values():
        iters = str(r['iters'])
        wall = f'{r["wall_s"]:.0f}'
        cpu = f'{r["cpu_s"]:.0f}'
        if 'pretrain' in r:
            iters = f'{r["pretrain_iters"]} + {r["iters"]}'
            wall = f'{r["pretrain_wall_s"]:.0f} + {r["wall_s"]:.0f}'
            cpu = f'{r["pretrain_cpu_s"]:.0f} + {r["cpu_s"]:.0f}'
        params = f'{r["params"]:,}'
        if r['trainable_params'] != r['params']:
            params += f' ({r["trainable_params"]:,} trained)'
        rows.append([title_cell(r), *(f'{r[k]:.2f}' for k, _ in COLUMNS),
                     iters, params, wall, cpu])
    return rows


HEADER = ['row', *(label for _, label in COLUMNS), 'iterations',
          'parameters', 'wall s', 'CPU s']


def markdown(results: Dict, title: str) -> str:
    lines = [f'{title}', '', '| ' + ' | '.join(HEADER) + ' |',
             '|' + '---|' * len(HEADER)]
    lines += ['| ' + ' | '.join(cells) + ' |'
              for cells in table_rows(results)]
    return '\n'.join(lines) + '\n'


def rich_table(results: Dict, title: str) -> Table:
    table = Table(title=title)
    for i, name in enumerate(HEADER):
        table.add_column(name, justify='left' if i == 0 else 'right')
    for cells in table_rows(results):
        table.add_row(*cells)
    return table


def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    console = Console()
    splits = (args.train_split, args.test_split) + (
        (args.val_split, ) if args.val_split else ())
    facts = dataset_facts(args.ann_file, args.format, splits)
    args.ann_file = osp.abspath(args.ann_file)
    os.chdir(REPO)  # the steps' config paths are relative to the repo
    args.work_dir = repo_path(args.work_dir, REPO)
    league = League(args, facts)
    with Progress(*progress_columns(), console=console) as progress:
        runner = make_runner(progress, args.threads, args.in_process)
        runner.env['PYTHONPATH'] = os.pathsep.join(
            p for p in (REPO, os.environ.get('PYTHONPATH')) if p)
        lanes = league.lanes()
        for lane in lanes:
            for step in lane:
                runner.add(step)
        try:
            runner.run_parallel(lanes)
            copy_configs(league)
            runner.run(league.count_step)
            results = collect(league, runner.times)
        except StepFailed as err:
            progress.stop()
            console.print(f'failed: {err}', markup=False, highlight=False)
            return 1
    wall = time.perf_counter() - start
    plan = args.iter_plan
    title = (f'{osp.basename(args.ann_file)} ({facts["format_name"]}): '
             f'{args.train_split} -> {args.test_split}, budget '
             f'{args.budget} (iterations of batch {args.batch_size}: '
             + ', '.join(f'{k} {v}' for k, v in plan.items()) +
             f'; {args.test_clips or 10} test clips' +
             (f'; fusion weights searched on {args.val_split}'
              if args.val_split else '') + ')')
    console.print(rich_table(results, title))
    summary = {
        'ann_file': osp.abspath(args.ann_file),
        'train_split': args.train_split, 'test_split': args.test_split,
        'val_split': args.val_split,
        'format': facts['format_name'], 'num_classes': facts['num_classes'],
        'split_sizes': facts['split_sizes'],
        'budget': args.budget, 'iters': plan,
        'batch_size': args.batch_size, 'test_clips': args.test_clips or 10,
        'seed': args.seed,
        'threads': args.threads, 'lanes': args.lanes,
        'cfg_options': args.cfg_options,
        'commit': git_commit(REPO),
        'rows': results,
        'wall_time_s': round(wall, 1),
    }
    with atomic_path(osp.join(args.work_dir, 'league.md')) as tmp, open(
            tmp, 'w') as f:
        f.write(markdown(results, title))
    write_json(osp.join(args.work_dir, 'results.json'), summary)
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
