"""Memory of DataLoader workers: pkl-backed vs store-backed SkeletonDataset.

Writes an NTU-120-sized synthetic set as an annotation pkl and as a packed
store, iterates each through a DataLoader with 1 and 4 workers in a fresh
process, and reports the peak proportional set size of the process tree.
Method, size choice and figures: see docs/benchmarks.md, "Dataset memory".

Usage::

    python benchmarks/dataset_memory.py [--num-samples 100000]
"""
import argparse
import json
import os
import os.path as osp
import pickle
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-samples', type=int, default=100_000)
    parser.add_argument('--min-frames', type=int, default=32)
    parser.add_argument('--max-frames', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=64)
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 4])
    parser.add_argument(
        '--work-dir', help='where to write the data (default: a temporary '
        'directory, removed at the end)')
    # internal: run one case in this process
    parser.add_argument('--case', choices=['pkl', 'store'],
                        help=argparse.SUPPRESS)
    parser.add_argument('--num-workers', type=int, help=argparse.SUPPRESS)
    add_debug_arg(parser)
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------
# memory of a process tree
# ---------------------------------------------------------------------------
def _children_map():
    children = {}
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as f:
                fields = f.read().rsplit(')', 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def tree_pss_kib(root: int) -> int:
    """Total PSS (KiB) of ``root`` and all its descendants."""
    children = _children_map()
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f'/proc/{pid}/smaps_rollup') as f:
                for line in f:
                    if line.startswith('Pss:'):
                        total += int(line.split()[1])
                        break
        except OSError:  # the process ended meanwhile
            pass
    return total


class PeakSampler(threading.Thread):
    """Sample the tree's PSS in the background; keep the peak."""

    def __init__(self, interval=0.1):
        super().__init__(daemon=True)
        self.interval, self.peak, self.done = interval, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, tree_pss_kib(os.getpid()))
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join()
        self.peak = max(self.peak, tree_pss_kib(os.getpid()))
        return self.peak


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def make_data(args, work_dir):
    """Write the random-walk set as ``data.pkl`` and ``store/``."""
    from rich.progress import track

    from s2i_mm.fileio import write_store
    rng = np.random.default_rng(0)
    annotations = []
    for i in track(range(args.num_samples), description='random walks',
                   transient=True):
        frames = int(rng.integers(args.min_frames, args.max_frames + 1))
        bodies = 2 if rng.random() < 0.15 else 1
        start = rng.normal(0, 0.3, (bodies, 1, 25, 3))
        steps = rng.normal(0, 0.01, (bodies, frames, 25, 3))
        annotations.append(dict(
            frame_dir=f'S{i:06d}', label=i % 120, total_frames=frames,
            keypoint=(start + steps.cumsum(1)).astype(np.float32)))
    names = [a['frame_dir'] for a in annotations]
    data = dict(split=dict(train=names), annotations=annotations,
                skeleton_format='ntu25')
    with open(osp.join(work_dir, 'data.pkl'), 'wb') as f:
        pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
    write_store(data, osp.join(work_dir, 'store'), progress=True)
    return sum(a['keypoint'].nbytes for a in annotations)


# ---------------------------------------------------------------------------
# one case, in a fresh process
# ---------------------------------------------------------------------------
def _count_frames(batch):
    return sum(int(item['keypoint'].shape[1]) for item in batch)


def run_case(args, work_dir):
    import torch

    import s2i_mm  # noqa: F401
    from s2i_mm.datasets import SkeletonDataset
    source = osp.join(work_dir,
                      'data.pkl' if args.case == 'pkl' else 'store')
    start = time.perf_counter()
    # preprocess=None: the samples are used as stored (a store packed
    # without preprocessing is then read directly, no cache is made)
    dataset = SkeletonDataset(source, split='train', preprocess=None,
                              cache=False)
    load_s = time.perf_counter() - start
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=args.batch_size, num_workers=args.num_workers,
        shuffle=True, collate_fn=_count_frames,
        generator=torch.Generator().manual_seed(0))
    sampler = PeakSampler()
    before = tree_pss_kib(os.getpid())
    sampler.start()
    start = time.perf_counter()
    frames = sum(loader)
    iterate_s = time.perf_counter() - start
    peak = sampler.stop()
    print(json.dumps(dict(
        case=args.case, workers=args.num_workers, samples=len(dataset),
        frames=frames, load_s=round(load_s, 1),
        iterate_s=round(iterate_s, 1), pss_before_mib=before // 1024,
        peak_pss_mib=peak // 1024)))


@tool_main
def main(argv=None):
    args = parse_args(argv)
    if args.case:
        return run_case(args, args.work_dir)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='s2i_mm_memory_')
    os.makedirs(work_dir, exist_ok=True)
    try:
        nbytes = make_data(args, work_dir)
        print(f'{args.num_samples} sequences, {nbytes / 2**30:.2f} GiB of '
              f'keypoints, in {work_dir}', flush=True)
        peaks = {}
        for case in ('pkl', 'store'):
            for workers in args.workers:
                out = subprocess.run(
                    [sys.executable, __file__, '--case', case,
                     '--num-workers', str(workers), '--work-dir', work_dir,
                     '--batch-size', str(args.batch_size)],
                    check=True, capture_output=True, text=True)
                result = json.loads(out.stdout.strip().splitlines()[-1])
                print(json.dumps(result), flush=True)
                peaks[f'{case}_{workers}w_mib'] = result['peak_pss_mib']
    finally:
        if not args.work_dir:
            shutil.rmtree(work_dir, ignore_errors=True)
    low, high = min(args.workers), max(args.workers)
    for case in ('pkl', 'store'):
        peaks[f'{case}_{high}w_over_{low}w'] = round(
            peaks[f'{case}_{high}w_mib'] / peaks[f'{case}_{low}w_mib'], 3)
    peaks[f'store_over_pkl_{high}w'] = round(
        peaks[f'store_{high}w_mib'] / peaks[f'pkl_{high}w_mib'], 3)
    print(json.dumps(peaks))


if __name__ == '__main__':
    sys.exit(main())
