"""Write PNGs of the joint / bone / motion S2I images of chosen samples.

Examples::

    # samples 0 and 5 of a split of an annotation file
    python tools/visualize_s2i.py data/ntu60_3d.pkl --split xsub_val \\
        --skeleton-format ntu25 --samples 0 5 --out-dir work_dirs/s2i_vis
    # a sample of the synthetic set, by name
    python tools/visualize_s2i.py --synthetic --samples 3 --clip-len 64
    # a dataset whose file records the name of a plugin format: import the
    # module that registers it (or give --skeleton-format SPEC_FILE)
    PYTHONPATH=. python tools/visualize_s2i.py data/mocap.pkl \\
        --custom-imports my_formats

Samples are loaded with ``SkeletonDataset`` (checked and preprocessed as
for training), optionally sampled to ``--clip-len`` frames with the test
mode frame sampler, and encoded as the S2IEncode options say. Each PNG is
named after its sample (``<frame_dir>_s2i.png``; a name that is not a safe
file name is made one by ``s2i_mm.fileio.sample_file_name``), inside
``--out-dir``.
"""
import argparse
import os.path as osp
import sys

from rich.progress import track

import s2i_mm
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.utils.custom_imports import (
    add_custom_imports_arg,
    import_custom_modules,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Draw the S2I images (joint, bone, motion) of samples')
    parser.add_argument('ann_file', nargs='?',
                        help='annotation .pkl file or packed store')
    parser.add_argument('--synthetic', action='store_true',
                        help='draw samples of the synthetic set instead')
    parser.add_argument('--split', help='split of the annotation file')
    parser.add_argument('--skeleton-format',
                        help='format name or spec file (default: the one '
                        'the file records; ntu25 for --synthetic)')
    add_custom_imports_arg(parser)
    parser.add_argument('--samples', nargs='+', default=['0'],
                        help='sample indices or frame_dir names')
    parser.add_argument('--modalities', nargs='+', default=['j', 'b', 'm'],
                        help='modalities to draw (j, b, m, bm)')
    parser.add_argument('--clip-len', type=int,
                        help='uniformly sample this many frames (test '
                        'mode); default: all frames')
    parser.add_argument('--persons', default='side_by_side',
                        choices=['side_by_side', 'stacked_time', 'first'])
    parser.add_argument('--num-persons', type=int,
                        help="persons in the image (default: the dataset's "
                        'most persons per sample, as in training)')
    parser.add_argument('--size', type=int, nargs=2, default=[224, 224],
                        metavar=('H', 'W'), help='S2I image size')
    parser.add_argument('--out-dir', default='work_dirs/s2i_vis',
                        help='directory for the PNG files')
    parser.add_argument('--dpi', type=int, default=100)
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    if bool(args.ann_file) == args.synthetic:
        parser.error('give either an annotation file or --synthetic')
    return args


def load_dataset(args):
    from s2i_mm.datasets import SkeletonDataset
    pipeline = []
    if args.clip_len:
        pipeline = [
            dict(type='FastUniformSampleFrames', clip_len=args.clip_len,
                 test_mode=True),
            dict(type='PoseDecode')
        ]
    if args.synthetic:
        return SkeletonDataset(
            synthetic_file(args.skeleton_format or 'ntu25', args.out_dir),
            pipeline=pipeline, split=args.split, cache=False)
    return SkeletonDataset(
        args.ann_file, pipeline=pipeline, split=args.split,
        skeleton_format=args.skeleton_format, cache=False)


def synthetic_file(fmt: str, out_dir: str) -> str:
    """Write a small synthetic set (one sample per class) once."""
    from s2i_mm.datasets.synthetic import generate
    from s2i_mm.fileio import dump_annotation_file, sample_file_name
    path = osp.join(out_dir, sample_file_name(f'synthetic_{fmt}', '.pkl'))
    if not osp.exists(path):
        data = generate(num_per_class=1, formats=(fmt, ))[fmt]
        dump_annotation_file(data, path)
    return path


def resolve_indices(dataset, samples) -> list:
    names = {dataset.get_data_info(i)['frame_dir']: i
             for i in range(len(dataset))}
    indices = []
    for sample in samples:
        if sample in names:
            indices.append(names[sample])
        elif sample.isdigit() and int(sample) < len(dataset):
            indices.append(int(sample))
        else:
            raise SystemExit(
                f'No sample {sample!r} in {dataset.ann_file} (give an index '
                f'below {len(dataset)} or a frame_dir name).')
    return indices


@tool_main
def main(argv=None):
    args = parse_args(argv)
    s2i_mm.register_all_modules()
    try:
        import_custom_modules(args.custom_imports)
    except ImportError as err:
        raise SystemExit(f'error: {err}') from None
    from s2i_mm.fileio import SkeletonDataError, sample_file_name
    from s2i_mm.visualization import draw_s2i_figure, save_figure
    try:
        dataset = load_dataset(args)
    except (SkeletonDataError, FileNotFoundError) as err:
        raise SystemExit(f'error: {err}') from None
    s2i_args = dict(persons=args.persons, num_persons=args.num_persons,
                    size=tuple(args.size))
    written = []
    for index in track(resolve_indices(dataset, args.samples),
                       description='drawing'):
        sample = dataset[index]
        fig = draw_s2i_figure(sample, sample['skeleton_format'],
                              modalities=args.modalities, **s2i_args)
        out_file = osp.join(args.out_dir, sample_file_name(
            sample['frame_dir'], '_s2i.png'))
        save_figure(fig, out_file, dpi=args.dpi)
        written.append(out_file)
    for out_file in written:
        print(out_file)


if __name__ == '__main__':
    sys.exit(main())
