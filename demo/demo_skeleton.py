"""Classify one skeleton file with a trained S2I model; print the top-5.

Example (an NTU raw file)::

    python demo/demo_skeleton.py CONFIG CHECKPOINT \
        S001C001P001R001A001.skeleton
"""
import argparse
import os.path as osp
import sys

from rich.console import Console
from rich.table import Table

from s2i_mm.apis import inference_skeleton, init_recognizer
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Classify a skeleton sequence with an S2I model')
    parser.add_argument('config', help='config file of the classifier')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        'skeleton',
        help='.npy [M,T,V,C], .pkl (annotation or annotation file), NTU '
        '.skeleton, or .json (NW-UCLA / Toyota)')
    parser.add_argument(
        '--format', help='skeleton format (default: from the file or config)')
    parser.add_argument(
        '--sample',
        default='0',
        help='sample index or frame_dir inside a multi-sample .pkl')
    parser.add_argument(
        '--max-persons', type=int,
        help='most persons per training sample (default: what the '
        'checkpoint records)')
    parser.add_argument('--topk', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    add_debug_arg(parser)
    return parser.parse_args(argv)


@tool_main
def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.skeleton):
        raise FileNotFoundError(f'{args.skeleton}: no such skeleton file')
    model = init_recognizer(args.config, args.checkpoint, device=args.device)
    sample = int(args.sample) if args.sample.isdigit() else args.sample
    pred = inference_skeleton(model, args.skeleton, format=args.format,
                              sample=sample, max_persons=args.max_persons)
    table = Table(title=f'{args.skeleton}: top-{args.topk}')
    table.add_column('rank', justify='right')
    table.add_column('label', justify='right')
    table.add_column('class')
    table.add_column('score', justify='right')
    for rank, (label, name, score) in enumerate(pred.topk(args.topk), 1):
        table.add_row(str(rank), str(label), name or '-', f'{score:.4f}')
    Console().print(table)


if __name__ == '__main__':
    sys.exit(main())
