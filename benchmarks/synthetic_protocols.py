"""The paper's three protocols on the synthetic set, through the real tools.

Three-stream fusion (score fusion and one multi-stream model), cross-format
transfer (``ntu25`` -> ``kinect20`` / ``lcrnet13``) and universal
pretraining (one MAE on the three layouts), with simulated subjects split
between pretraining, probing, weight search and testing. Protocols,
figures and their limits: see docs/benchmarks.md, "Streams, cross-format
transfer, universal pretraining".

Example::

    nice -n 5 python benchmarks/synthetic_protocols.py   # ~1 h on 2 cores
    python benchmarks/synthetic_protocols.py --quick     # smoke run
"""
import argparse
import json
import os
import os.path as osp
import pickle
import re
import sys
import time
from typing import Dict, List

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.apis.tool_jobs import (
    Step,
    StepRunner,
    cfg_options,
    fit_schedule,
    git_commit,
    progress_columns,
    repo_path,
    tool,
)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))

FORMATS = ('ntu25', 'kinect20', 'lcrnet13')
STREAMS = {'j': 'joint', 'm': 'motion', 'b': 'bone'}
#: simulated subjects (1-10) of each split
SUBJECTS = dict(pretrain=(1, 2, 3, 4), probe_train=(5, 6, 7),
                probe_val=(8, ), test=(9, 10))
DEMO = 'configs/demo'
PRETRAIN = {
    'j': f'{DEMO}/mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py',
    'm': f'{DEMO}/mae_vit-w16-p8_1xb32-motion-500e_synthetic-s2i32.py',
    'b': f'{DEMO}/mae_vit-w16-p8_1xb32-bone-500e_synthetic-s2i32.py',
    'mixed': f'{DEMO}/mae_vit-w16-p8_1xb32-500e_synthetic-mixed-s2i32.py',
}
PROBE = {
    'j': f'{DEMO}/vit-w16-p8_linear-1xb32-50e_synthetic-s2i32.py',
    'm': f'{DEMO}/vit-w16-p8_linear-1xb32-motion-50e_synthetic-s2i32.py',
    'b': f'{DEMO}/vit-w16-p8_linear-1xb32-bone-50e_synthetic-s2i32.py',
    'random': (f'{DEMO}/vit-w16-p8_linear-1xb32-50e_synthetic-s2i32_'
               'random-init.py'),
    'late': f'{DEMO}/vit-w16-p8_linear-1xb32-3stream-50e_synthetic-s2i32.py',
    'concat': (f'{DEMO}/vit-w16-p8_linear-1xb32-3stream-concat-50e_'
               'synthetic-s2i32.py'),
}
QUICK = dict(num_per_class=12, pretrain_epochs=2, probe_epochs=2)
SUBJECT = re.compile(r'^S(\d+)A')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Three-stream fusion, cross-format transfer and '
        'universal pretraining on the synthetic set, through the tools')
    parser.add_argument('--work-dir', default='work_dirs/synthetic_protocols')
    parser.add_argument('--num-per-class', type=int, default=100,
                        help='synthetic samples per class (14 classes)')
    parser.add_argument('--difficulty', type=float, default=1.0)
    parser.add_argument('--pretrain-epochs', type=int, default=500)
    parser.add_argument('--probe-epochs', type=int, default=50)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch threads of each tool run')
    parser.add_argument(
        '--reuse', action='store_true',
        help='skip steps whose output exists (resume an interrupted run)')
    parser.add_argument('--quick', action='store_true',
                        help='a smoke run: 12 samples per class, 2 epochs')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if args.quick:
        for key, value in QUICK.items():
            setattr(args, key, value)
    return args


def split_by_subject(ann_file: str, out_file: str) -> Dict[str, int]:
    """Copy ``ann_file`` with the splits of :data:`SUBJECTS` (the subject is
    in the synthetic sample name, ``S<subject>A<action>N<number>``)."""
    with open(ann_file, 'rb') as f:
        data = pickle.load(f)
    split = {name: [] for name in SUBJECTS}
    for ann in data['annotations']:
        found = SUBJECT.match(ann['frame_dir'])
        if not found:
            raise ValueError(f'{ann_file}: sample {ann["frame_dir"]!r} does '
                             'not name its subject as S<subject>A...')
        subject = int(found.group(1))
        for name, subjects in SUBJECTS.items():
            if subject in subjects:
                split[name].append(ann['frame_dir'])
    data['split'] = split
    from s2i_mm.fileio import dump_annotation_file
    dump_annotation_file(data, out_file)
    return {name: len(v) for name, v in split.items()}


class Plan:
    """Builds the steps and remembers where each result lands."""

    def __init__(self, args) -> None:
        self.args = args
        self.work = repo_path(args.work_dir, REPO)
        self.data = osp.join(self.work, 'data')
        self.steps: List[Step] = []
        self.outputs: Dict[int, str] = {}  # id(step) -> its output file
        self.seed = ['--seed', args.seed]
        self.sizes: Dict[str, int] = {}

    def ann(self, fmt: str) -> str:
        return osp.join(self.data, f'protocol_{fmt}.pkl')

    def add(self, title, cmd, name, output, epochs=None):
        step = Step(title, cmd, osp.join(self.work, 'logs', f'{name}.log'),
                    epochs)
        self.steps.append(step)
        self.outputs[id(step)] = output
        return output

    def pretrain(self, name: str, config: str, fmt: str) -> str:
        """MAE pretraining on the ``pretrain`` subjects of ``fmt`` (or of
        every layout for ``fmt='mixed'``); returns the checkpoint."""
        epochs = self.args.pretrain_epochs
        work = osp.join(self.work, f'pretrain_{name}')
        if fmt == 'mixed':
            options = {}
            for i, member in enumerate(FORMATS):
                key = f'train_dataloader.dataset.datasets.{i}'
                options.update({f'{key}.ann_file': self.ann(member),
                                f'{key}.split': 'pretrain'})
            # as many draws per epoch as one layout has samples
            options['train_dataloader.sampler.num_samples'] = (
                self.sizes['pretrain'])
        else:
            options = {'train_dataloader.dataset.ann_file': self.ann(fmt),
                       'train_dataloader.dataset.split': 'pretrain',
                       'train_dataloader.dataset.skeleton_format': fmt}
        options.update(fit_schedule(osp.join(REPO, config), epochs))
        return self.add(
            f'MAE pretraining: {name}',
            tool('tools/train.py', config, '--work-dir', work, *self.seed,
                 *cfg_options(options)),
            f'pretrain_{name}', osp.join(work, f'epoch_{epochs}.pth'),
            epochs)

    def probe(self, name: str, config: str, fmt: str, checkpoints: Dict,
              val_dump: bool = False) -> Dict[str, str]:
        """Linear probe on ``probe_train``; dumps of the ``test`` split
        (and of ``probe_val``). ``checkpoints``: config key -> encoder."""
        epochs = self.args.probe_epochs
        work = osp.join(self.work, f'probe_{name}')
        data = {}
        for loader, split in (('train', 'probe_train'), ('val', 'test'),
                              ('test', 'test')):
            key = f'{loader}_dataloader.dataset'
            data.update({f'{key}.ann_file': self.ann(fmt),
                         f'{key}.split': split,
                         f'{key}.skeleton_format': fmt})
        train = cfg_options({**data, **checkpoints,
                             **fit_schedule(osp.join(REPO, config), epochs)})
        ckpt = self.add(
            f'linear probe: {name}',
            tool('tools/train.py', config, '--work-dir', work, '--no-validate',
                 *self.seed, *train),
            f'probe_{name}', osp.join(work, f'epoch_{epochs}.pth'), epochs)
        dumps = {}
        for split in ('test', 'probe_val') if val_dump else ('test', ):
            dump = osp.join(work, f'{split}_scores.pkl')
            options = cfg_options(
                {**data, 'test_dataloader.dataset.split': split})
            dumps[split] = self.add(
                f'test: {name} on {split}',
                tool('tools/test.py', config, ckpt, '--work-dir',
                     osp.join(work, f'test_{split}'), '--dump', dump,
                     *options),
                f'test_{name}_{split}', dump)
        return dumps

    def fuse(self, name: str, dumps: List[str], search: List[str] = ()):
        out = osp.join(self.work, f'fused_{name}.pkl')
        cmd = tool('tools/analysis/fuse_scores.py', *dumps, '--names',
                   *STREAMS.values(), '--out', out)
        if search:
            cmd += ['--search', *search]
        return self.add(f'score fusion: {name}', cmd, f'fuse_{name}', out)

    def make_data(self) -> Step:
        """The step generating the synthetic set in every layout."""
        args = self.args
        self.add('generate the synthetic set',
                 tool('tools/data/make_synthetic.py', self.data,
                      '--num-per-class', args.num_per_class, '--seed',
                      args.seed, '--difficulty', args.difficulty,
                      '--formats', *FORMATS),
                 'make_synthetic', osp.join(self.data, 'synthetic_ntu25.pkl'))
        return self.steps[-1]

    def split_data(self) -> None:
        """Write the subject splits of every layout; :attr:`sizes` holds
        their sizes (the same in every layout)."""
        for fmt in FORMATS:
            self.sizes = split_by_subject(
                osp.join(self.data, f'synthetic_{fmt}.pkl'), self.ann(fmt))

    def build(self) -> Dict:
        """Every step after the data; the result files by experiment."""
        out = dict(streams={}, cross={}, universal={})
        pre = {s: self.pretrain(f'ntu25_{STREAMS[s]}', PRETRAIN[s], 'ntu25')
               for s in STREAMS}
        for fmt in FORMATS[1:]:
            pre[fmt] = self.pretrain(f'{fmt}_joint', PRETRAIN['j'], fmt)
        pre['mixed'] = self.pretrain('mixed_joint', PRETRAIN['mixed'],
                                     'mixed')
        enc = 'model.backbone.init_cfg.checkpoint'
        # 1. streams
        streams = out['streams']
        for s, name in STREAMS.items():
            streams[name] = self.probe(f'ntu25_{name}', PROBE[s], 'ntu25',
                                       {enc: pre[s]}, val_dump=True)
        streams['random init (joint)'] = self.probe(
            'ntu25_random', PROBE['random'], 'ntu25', {})
        test = [streams[n]['test'] for n in STREAMS.values()]
        val = [streams[n]['probe_val'] for n in STREAMS.values()]
        streams['score fusion, equal weights'] = self.fuse('equal', test)
        streams['score fusion, searched weights'] = self.fuse(
            'searched', test, val)
        per_stream = {f'model.streams.{s}.backbone.init_cfg.checkpoint':
                      pre[s] for s in STREAMS}
        for head in ('late', 'concat'):
            streams[f'one model, {head} fusion'] = self.probe(
                f'ntu25_3stream_{head}', PROBE[head], 'ntu25', per_stream)
        # 2. cross-format, 3. universal
        for fmt in FORMATS[1:]:
            out['cross'][fmt] = {
                'pretrained on ntu25': self.probe(
                    f'{fmt}_from_ntu25', PROBE['j'], fmt, {enc: pre['j']}),
                'random init': self.probe(f'{fmt}_random', PROBE['random'],
                                          fmt, {}),
                f'pretrained on {fmt} itself': self.probe(
                    f'{fmt}_from_{fmt}', PROBE['j'], fmt, {enc: pre[fmt]}),
            }
        for fmt in FORMATS:
            alone = (streams['joint'] if fmt == 'ntu25' else
                     out['cross'][fmt][f'pretrained on {fmt} itself'])
            out['universal'][fmt] = {
                f'pretrained on {fmt} alone': alone,
                'pretrained on the mix': self.probe(
                    f'{fmt}_from_mixed', PROBE['j'], fmt,
                    {enc: pre['mixed']}),
            }
        return out


def metrics_of(result) -> Dict[str, float]:
    """Top-1 / top-5 / mean class accuracy of a test dump (``dict`` of
    dumps: its ``test`` one) or of a fused dump (a path)."""
    from s2i_mm.evaluation.score_fusion import load_dump, score_metrics
    dump = load_dump(result['test'] if isinstance(result, dict) else result)
    return score_metrics(dump.scores, dump.labels)


def fill_tables(results: Dict) -> Dict:
    figures = {}
    for part, rows in results.items():
        if part == 'streams':
            figures[part] = {k: metrics_of(v) for k, v in rows.items()}
        else:
            figures[part] = {
                fmt: {k: metrics_of(v) for k, v in group.items()}
                for fmt, group in rows.items()
            }
    return figures


def table(title: str, rows: Dict[str, Dict[str, float]],
          group: str = '') -> Table:
    out = Table(title=title)
    out.add_column(group or 'model')
    for col in ('top-1', 'top-5', 'mean class acc'):
        out.add_column(col, justify='right')
    for name, m in rows.items():
        out.add_row(name, f'{m["top1"]:.2f}', f'{m["top5"]:.2f}',
                    f'{m["mean_class"]:.2f}')
    return out


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.perf_counter()
    console = Console()
    os.chdir(REPO)
    plan = Plan(args)
    walls = {}
    with Progress(*progress_columns(), console=console) as progress:
        runner = StepRunner(progress, args.threads)

        def run(step):
            runner.add(step)
            if args.reuse and osp.exists(plan.outputs[id(step)]):
                progress.update(runner.tasks[id(step)], completed=1,
                                total=1, done='reused')
                return
            began = time.perf_counter()
            runner.run(step)
            walls[step.title] = round(time.perf_counter() - began, 1)

        run(plan.make_data())
        plan.split_data()
        results = plan.build()
        for step in plan.steps[1:]:
            run(step)
    figures = fill_tables(results)
    console.print(table('1. Streams and their fusion: ntu25, test subjects '
                        '9-10 (%)', figures['streams']))
    best = max(figures['streams'][n]['top1'] for n in STREAMS.values())
    for name, m in figures['streams'].items():
        if 'fusion' in name:
            console.print(f'{name}: top-1 {m["top1"] - best:+.2f} points '
                          'over the best single stream', markup=False)
    for fmt, rows in figures['cross'].items():
        console.print(table(f'2. Cross-format: linear probe on {fmt} (%)',
                            rows, 'encoder'))
    for fmt, rows in figures['universal'].items():
        console.print(table(f'3. Universal: linear probe on {fmt} (%)',
                            rows, 'encoder'))
    console.print(
        'The layouts are joint mappings of the same simulated motions; '
        'pretraining on subjects 1-4, probes on 5-7, weight search on 8, '
        'figures on 9-10.', markup=False)
    total = round(time.perf_counter() - start, 1)
    print(json.dumps(dict(commit=git_commit(REPO), args=vars(args),
                          split_sizes=plan.sizes, figures=figures,
                          wall_s=walls, total_wall_s=total)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
