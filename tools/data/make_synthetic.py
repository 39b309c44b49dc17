"""Generate the synthetic skeleton action dataset (the embedded default).

Writes ``OUT_DIR/synthetic_<format>.pkl`` (mmaction2 skeleton schema, with
``train``/``val`` splits, class names and the format name) for each
layout, and with ``--store`` also the packed store
``OUT_DIR/synthetic_<format>/``. The same samples are written in every
layout.

Example::

    python tools/data/make_synthetic.py data/synthetic --num-per-class 100
"""
import argparse
import os.path as osp
import sys
import time

from rich.console import Console

import s2i_mm  # noqa: F401
from s2i_mm.datasets.synthetic import CLASSES, generate
from s2i_mm.fileio import dump_annotation_file, write_store


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Generate the synthetic skeleton action dataset')
    parser.add_argument('out_dir', help='output directory')
    parser.add_argument(
        '--num-per-class', type=int, default=100,
        help=f'samples per class ({len(CLASSES)} classes)')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument(
        '--difficulty', type=float, default=0.5,
        help='0 (easy) to 1 (hard): view range, noise, dropped frames, '
        'amplitude and speed variation')
    parser.add_argument(
        '--formats', nargs='+', default=['ntu25', 'kinect20', 'lcrnet13'],
        help='skeleton layouts to write')
    parser.add_argument(
        '--store', action='store_true',
        help='also write a packed (memory-mapped) store per layout')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    console = Console(stderr=True)
    start = time.perf_counter()
    try:
        datasets = generate(args.num_per_class, args.seed, args.difficulty,
                            args.formats, progress=True)
    except (ValueError, KeyError) as err:
        console.print(f'error: {err}', markup=False)
        return 2
    for name, data in datasets.items():
        out = osp.join(args.out_dir, f'synthetic_{name}.pkl')
        try:
            dump_annotation_file(data, out)
            if args.store:  # replaces only a store s2i_mm wrote
                write_store(data, osp.join(args.out_dir,
                                           f'synthetic_{name}'),
                            overwrite=True)
        except OSError as err:
            console.print(f'error: {err}', markup=False, soft_wrap=True)
            return 1
        console.print(f'wrote {out}', markup=False)
    data = next(iter(datasets.values()))
    sizes = ', '.join(f'{k} {len(v)}' for k, v in data['split'].items())
    console.print(
        f'{len(data["annotations"])} samples, {len(CLASSES)} classes '
        f'({sizes}) in {time.perf_counter() - start:.1f} s', markup=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
