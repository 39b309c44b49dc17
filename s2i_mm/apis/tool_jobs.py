"""Run the project's tools as steps of a job: lanes, progress, logs,
metrics read back.

A :class:`Step` is one command (usually ``tools/train.py`` or
``tools/test.py``, see :func:`tool`) with its log file; a
:class:`StepRunner` runs steps as child processes, lanes of them side by
side, and shows their progress (epochs read from the training log) in a
rich display; an :class:`InProcessRunner` calls each tool's ``main(argv)``
in this process instead, one step at a time; :func:`read_test_metrics`
reads back what ``tools/test.py`` logged. The demo and the benchmarks
are such jobs; see docs/benchmarks.md, "Scripts that run the tools, and
your own protocol sweeps".
"""
import contextlib
import functools
import glob
import importlib.util
import io
import json
import os
import os.path as osp
import re
import resource
import shlex
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Dict, List, NamedTuple, Optional, Sequence

from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from s2i_mm.fileio.atomic import atomic_path

__all__ = [
    'Step', 'StepFailed', 'StepRunner', 'InProcessRunner', 'StepTime',
    'make_runner', 'add_in_process_arg', 'dataset_facts', 'tool', 'show',
    'cfg_options', 'data_options', 'schedule_options', 'warmup_fraction',
    'fit_schedule',
    'read_test_metrics', 'progress_columns', 'git_commit', 'repo_path',
    'write_json', 'TEST_METRICS'
]

#: The metrics ``tools/test.py`` logs, and their names in tables.
TEST_METRICS = (('acc/top1', 'top-1'), ('acc/top5', 'top-5'),
                ('acc/mean1', 'mean class acc'))


@dataclass
class Step:
    """One run of a command line tool.

    Attributes:
        title (str): What the step does, for the progress display.
        cmd (list[str]): The command.
        log (str): File that receives its stdout and stderr.
        epochs (int, optional): Training epochs; progress is read from the
            log's ``Epoch(train) [N]`` lines. None for other tools.
    """
    title: str
    cmd: List[str]
    log: str
    epochs: Optional[int] = None


class StepFailed(RuntimeError):
    """A tool exited with an error."""


class StepTime(NamedTuple):
    """Wall and CPU seconds (user + system) of one finished step."""
    wall: float
    cpu: float


def tool(script: str, *args) -> List[str]:
    """Command running one of the repository's tools with this Python."""
    return [sys.executable, script, *map(str, args)]


def show(cmd: Sequence[str]) -> str:
    """``cmd`` as typed in a shell at the repository root."""
    words = ['python' if cmd[0] == sys.executable else cmd[0], *cmd[1:]]
    return ' '.join(shlex.quote(str(w)) for w in words)


def cfg_options(options: Dict[str, object]) -> List[str]:
    """``--cfg-options key=value ...`` arguments (none for no options)."""
    if not options:
        return []
    return ['--cfg-options', *(f'{k}={v}' for k, v in options.items())]


def data_options(ann_file: str,
                 splits: Sequence[str] = ('train', 'val', 'test')) -> Dict:
    """Overrides pointing the dataloaders of ``splits`` at ``ann_file``."""
    return {f'{s}_dataloader.dataset.ann_file': ann_file for s in splits}


@functools.lru_cache(maxsize=None)
def warmup_fraction(config: str) -> float:
    """The fraction of ``config``'s schedule spent warming up (the end of
    its first ``param_scheduler`` over ``train_cfg.max_epochs``), read
    without importing its ``custom_imports``."""
    from mmengine.config import Config
    cfg = Config.fromfile(config, import_custom_modules=False)
    return cfg.param_scheduler[0].end / cfg.train_cfg.max_epochs


def schedule_options(epochs: int, warmup_fraction: float) -> Dict:
    """Overrides fitting a warm-up + cosine schedule to ``epochs``.

    For configs whose ``param_scheduler`` is a ``LinearLR`` warm-up then a
    ``CosineAnnealingLR``: both are moved together with ``max_epochs``, and
    the only checkpoint is the last one.
    """
    warmup = min(max(1, round(epochs * warmup_fraction)), epochs - 1)
    return {
        'train_cfg.max_epochs': epochs,
        'param_scheduler.0.end': warmup,
        'param_scheduler.1.begin': warmup,
        'param_scheduler.1.end': epochs,
        'param_scheduler.1.T_max': epochs - warmup,
        'default_hooks.checkpoint.interval': epochs,
    }


def fit_schedule(config: str, epochs: int) -> Dict:
    """:func:`schedule_options` fitting ``config``'s own warm-up fraction
    (:func:`warmup_fraction`) to ``epochs``."""
    return schedule_options(epochs, warmup_fraction(config))


def epochs_done(log_file: str) -> int:
    """Last epoch a training log reports (``Epoch(train) [N]``)."""
    try:
        with open(log_file, errors='replace') as f:
            found = re.findall(r'Epoch\(train\)\s*\[(\d+)\]', f.read())
    except OSError:
        return 0
    return int(found[-1]) if found else 0


def tail(path: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a text file."""
    with open(path, errors='replace') as f:
        return ''.join(f.readlines()[-lines:])


def failure_line(path: str) -> str:
    """What a failed tool's log says about its failure, in one line: its
    last ``error:`` line (without the prefix), else its last line (a
    traceback ends with the exception)."""
    lines = [line.strip() for line in tail(path, 200).splitlines()
             if line.strip()]
    errors = [line for line in lines if line.startswith('error: ')]
    if errors:
        return errors[-1][len('error: '):]
    return lines[-1] if lines else 'no output'


def read_test_metrics(test_dir: str) -> Dict[str, float]:
    """The metrics ``tools/test.py`` logged as JSON in ``test_dir``, in %.

    Raises:
        StepFailed: No metrics JSON, or one without :data:`TEST_METRICS`.
    """
    logs = sorted(glob.glob(osp.join(test_dir, '*', '*.json')))
    if not logs:
        raise StepFailed(f'no metrics JSON under {test_dir}')
    with open(logs[-1]) as f:
        records = [json.loads(line) for line in f if line.strip()]
    metrics = records[-1]
    missing = [k for k, _ in TEST_METRICS if k not in metrics]
    if missing:
        raise StepFailed(f'{logs[-1]} lacks {missing}')
    return {k: 100 * float(metrics[k]) for k, _ in TEST_METRICS}


def repo_path(path: str, repo: str) -> str:
    """``path`` relative to the folder ``repo`` if it lies inside it, else
    absolute (steps run from the repository root, so that the printed
    commands work there as they are)."""
    path, repo = osp.abspath(path), osp.abspath(repo)
    inside = osp.commonpath([path, repo]) == repo
    return osp.relpath(path, repo) if inside else path


def write_json(path: str, data: dict) -> None:
    """Write ``data`` as indented JSON, all-or-nothing."""
    with atomic_path(path) as tmp, open(tmp, 'w') as f:
        json.dump(data, f, indent=2)


def git_commit(repo: str) -> str:
    """The commit checked out in ``repo`` (``+dirty`` when tracked files
    differ from it; ``unknown`` outside git), for a benchmark's record."""
    def git(*cmd):
        try:
            return subprocess.run(['git', *cmd], cwd=repo, text=True,
                                  capture_output=True).stdout.strip()
        except OSError:
            return ''
    head = git('rev-parse', '--short', 'HEAD') or 'unknown'
    return head + ('+dirty' if git('status', '--porcelain', '-uno') else '')


def progress_columns() -> tuple:
    """The columns of the step progress display."""
    return (SpinnerColumn(), TextColumn('{task.description}'), BarColumn(),
            TextColumn('{task.fields[done]}'), TimeElapsedColumn())


class StepRunner:
    """Runs steps as child processes and shows their progress.

    Args:
        progress (rich.progress.Progress): The display (use
            :func:`progress_columns`).
        threads (int): ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` of every
            child process.

    Attributes:
        times (dict[str, StepTime]): The wall and CPU time of each finished
            step, by title. The CPU time is the child's own
            (``os.wait4``), so it does not depend on what runs beside it.
    """

    def __init__(self, progress: Progress, threads: int) -> None:
        self.progress = progress
        self.env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                        MKL_NUM_THREADS=str(threads), PYTHONUNBUFFERED='1')
        self.tasks = {}
        self.stop = threading.Event()
        self.errors: List[str] = []
        self.times: Dict[str, StepTime] = {}

    def add(self, step: Step) -> None:
        """Show ``step`` (not started yet) in the display."""
        self.tasks[id(step)] = self.progress.add_task(
            step.title, total=step.epochs, start=False, done='')

    def _start(self, step: Step):
        """Print ``step``'s command, start its display, make its log's
        folder; its display task."""
        if id(step) not in self.tasks:
            self.add(step)
        task = self.tasks[id(step)]
        self.progress.console.print(
            f'$ {show(step.cmd)}', style='dim', highlight=False,
            markup=False, soft_wrap=True)
        self.progress.start_task(task)
        os.makedirs(osp.dirname(step.log) or '.', exist_ok=True)
        return task

    def run(self, step: Step) -> None:
        """Run ``step``; raise :class:`StepFailed` if it fails."""
        task = self._start(step)
        start = time.perf_counter()
        with open(step.log, 'w') as log:
            child = subprocess.Popen(step.cmd, stdout=log,
                                     stderr=subprocess.STDOUT, env=self.env)
            while not self._reaped(child, step, start):
                if self.stop.wait(0.5):
                    child.terminate()
                    child.wait()
                    raise StepFailed(f'{step.title}: stopped')
                if step.epochs:
                    done = epochs_done(step.log)
                    self.progress.update(
                        task, completed=done,
                        done=f'{done}/{step.epochs} ep')
        if child.returncode != 0:
            raise StepFailed(
                f'{step.title} failed (exit code {child.returncode}): '
                f'{failure_line(step.log)} (log: {step.log})')
        self.progress.update(task, completed=step.epochs or 1,
                             total=step.epochs or 1)

    def _reaped(self, child: subprocess.Popen, step: Step,
                start: float) -> bool:
        """Whether ``child`` has ended; if so, record its times."""
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if not pid:
            return False
        child.returncode = os.waitstatus_to_exitcode(status)
        self.times[step.title] = StepTime(time.perf_counter() - start,
                                          usage.ru_utime + usage.ru_stime)
        return True

    def run_lane(self, steps: List[Step]) -> None:
        """Run ``steps`` in order; on failure record it, stop the others."""
        try:
            for step in steps:
                if self.stop.is_set():
                    return
                self.run(step)
        except StepFailed as err:
            if not self.stop.is_set():
                self.errors.append(str(err))
            self.stop.set()
        except BaseException as err:  # noqa: B036 - reported, then stop
            self.errors.append(f'{type(err).__name__}: {err}')
            self.stop.set()

    def run_parallel(self, lanes: List[List[Step]]) -> None:
        """Run the lanes side by side; raise if any step failed."""
        threads = [
            threading.Thread(target=self.run_lane, args=(lane, ))
            for lane in lanes
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                while thread.is_alive():
                    thread.join(0.2)
        except KeyboardInterrupt:
            self.stop.set()
            for thread in threads:
                thread.join()
            raise
        if self.errors:
            raise StepFailed('; '.join(self.errors))


class _StepOutput(io.TextIOBase):
    """stdout and stderr of in-process steps: the running step's log, else
    the job's own stdout (a logger a step created writes here later)."""

    def __init__(self, fallback) -> None:
        self.fallback = fallback
        self.log = None

    def write(self, text: str) -> int:
        return (self.log or self.fallback).write(text)

    def flush(self) -> None:
        (self.log or self.fallback).flush()


class InProcessRunner(StepRunner):
    """A :class:`StepRunner` that calls each step's tool as its
    ``main(argv)`` in this process: lanes one after another, a step's
    output in its log, its CPU time this process's (``getrusage``).

    Each step saves the tools' imports (torch, mmengine, mmpretrain,
    mmaction2: 6-10 s on 2 cores), most of a short step's time; the steps'
    results are the same as in child processes (same seeds, same thread
    count).
    """

    def __init__(self, progress: Progress, threads: int) -> None:
        super().__init__(progress, threads)
        import torch
        torch.set_num_threads(threads)
        if os.getcwd() not in sys.path:  # as a child's PYTHONPATH would
            sys.path.insert(0, os.getcwd())  # (projects/ model imports)
        self.modules = {}
        self.last_start = None
        self.output = _StepOutput(sys.stdout)

    def _main(self, script: str):
        """The ``main`` of the tool at ``script``, imported once."""
        path = osp.abspath(script)
        if path not in self.modules:
            name = 'tool_' + osp.splitext(osp.basename(path))[0]
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            self.modules[path] = module
        return self.modules[path].main

    def _distinct_second(self) -> None:
        """mmengine names a run's logger and message hub after the second
        it started in: two runs in one second would share them."""
        while time.strftime('%Y%m%d_%H%M%S') == self.last_start:
            time.sleep(0.05)
        self.last_start = time.strftime('%Y%m%d_%H%M%S')

    def run(self, step: Step) -> None:
        """Run ``step``; raise :class:`StepFailed` if it fails."""
        task = self._start(step)
        main = self._main(step.cmd[1])
        self._distinct_second()
        wall = time.perf_counter()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        with open(step.log, 'w') as self.output.log, \
                contextlib.redirect_stdout(self.output), \
                contextlib.redirect_stderr(self.output):
            try:
                status = main([str(a) for a in step.cmd[2:]])
                code = status if isinstance(status, int) else 0
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else (
                    1 if exit.code else 0)
            finally:
                self.output.log = None
        end = resource.getrusage(resource.RUSAGE_SELF)
        self.times[step.title] = StepTime(
            time.perf_counter() - wall,
            end.ru_utime + end.ru_stime - usage.ru_utime - usage.ru_stime)
        if code != 0:
            raise StepFailed(f'{step.title} failed (exit code {code}); the '
                             f'end of {step.log}:\n{tail(step.log)}')
        self.progress.update(task, completed=step.epochs or 1,
                             total=step.epochs or 1)

    def run_parallel(self, lanes: List[List[Step]]) -> None:
        """Run the lanes one after another; raise if any step failed."""
        for lane in lanes:
            self.run_lane(lane)
        if self.errors:
            raise StepFailed('; '.join(self.errors))


def make_runner(progress: Progress, threads: int,
                in_process: bool = False) -> StepRunner:
    """A :class:`StepRunner`, or an :class:`InProcessRunner` if
    ``in_process``."""
    return (InProcessRunner if in_process else StepRunner)(progress, threads)


def add_in_process_arg(parser) -> None:
    """Add ``--in-process`` (:func:`make_runner`'s switch) to an
    ``argparse`` parser."""
    parser.add_argument(
        '--in-process', action='store_true',
        help="run each tool's main(argv) in this process, one step at a "
        'time, instead of a child process per step (saves the imports of '
        'every step; for short runs and tests)')


def dataset_facts(ann_file: str, fmt: Optional[str] = None,
                  splits: Sequence[str] = ()) -> Dict:
    """What a job needs to know of a converted dataset before its steps.

    The format is resolved as the dataset resolves it
    (:func:`~s2i_mm.fileio.annotation.resolve_format`: a spec path the file
    records is read from the file's folder).

    Args:
        ann_file (str): An annotation file or packed store.
        fmt (str, optional): The format the user gave (name or spec path).
        splits (Sequence[str]): Splits the job reads; each must exist.

    Returns:
        dict: ``format``: what the steps' datasets are given (``fmt``, a
        spec path made absolute, or None: each dataset reads the file's
        own record); ``format_ref``: a reference to the layout valid from
        any folder (for models that take one, e.g. a GCN's graph);
        ``format_name``, ``num_joints``, ``num_classes`` and
        ``split_sizes``.

    Raises:
        SkeletonDataError: No format known, or an unknown / contradicting
            one (the message names the file).
        SystemExit: One ``error:`` line if a split is missing.
    """
    from s2i_mm.fileio.annotation import load_annotation_file, resolve_format
    from s2i_mm.fileio.store import SkeletonStore, is_store
    from s2i_mm.formats.format_reference import is_spec_path
    if is_store(ann_file):
        store = SkeletonStore(ann_file)
        recorded, classes, split = (store.skeleton_format, store.classes,
                                    store.split)
        labels = [int(x) for x in store.labels]
    else:
        data = load_annotation_file(ann_file)
        recorded, classes = data.get('skeleton_format'), data.get('classes')
        split = data.get('split') or {}
        labels = [int(a['label']) for a in data['annotations']]
    missing = [s for s in splits if s not in split]
    if missing:
        raise SystemExit(f'error: {ann_file} has no split {missing[0]!r} '
                         f'(it has {sorted(split)})')
    if fmt is not None and is_spec_path(fmt):
        fmt = osp.abspath(fmt)
    layout = resolve_format(ann_file, fmt, recorded, '--format')
    if fmt is not None:
        ref = fmt
    elif is_spec_path(recorded):  # checked inside the file's folder above
        ref = osp.join(osp.dirname(osp.abspath(ann_file.rstrip('/'))),
                       recorded)
    else:
        ref = recorded
    return dict(format=fmt, format_ref=ref, format_name=layout.name,
                num_joints=layout.num_joints,
                num_classes=len(classes) if classes else max(labels) + 1,
                split_sizes={s: len(split[s]) for s in splits})
