"""Convert your own skeleton sequences (.npy / .csv) to an annotation pkl.

Example::

    python tools/data/convert_generic.py my_data/sequences \
        my_data/mocap30.pkl --format my_data/mocap30.yaml \
        --labels my_data/labels.csv --split-pattern train='_t0[12]$'

See docs/converters.md, "Your own data".
"""
import sys

from s2i_mm.converters.cli import (
    converter_parser,
    labels_arguments,
    labels_options,
    run_converter,
)
from s2i_mm.converters.generic import MISSING_MODES, convert_generic


def parse_args(argv=None):
    parser = converter_parser(
        'Convert a folder of per-sequence skeleton files to the mmaction2 '
        'skeleton annotation schema: .npy arrays [T, V, C] or [M, T, V, C] '
        'and .csv files with one row per frame and a column '
        '<joint>.<channel> for every joint and channel of the format. The '
        'sample name is the path relative to INPUT without the extension.',
        'folder searched recursively for *.npy and *.csv sequence files')
    parser.add_argument(
        '--format', required=True, dest='skeleton_format',
        help='skeleton format of the sequences: a registered name (ntu25, '
        'coco17, ...) or a spec file (.yaml/.yml/.json/.py); recorded in '
        'the output')
    labels_arguments(parser)
    parser.add_argument(
        '--missing', choices=MISSING_MODES, default='error',
        help='an empty CSV cell or a NaN (e.g. an occluded marker): stop '
        'with an error, or set that joint to zero in that frame')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_converter(convert_generic, args, missing=args.missing,
                         **labels_options(args))


if __name__ == '__main__':
    sys.exit(main())
