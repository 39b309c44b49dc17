"""Convert raw NTU RGB+D 60/120 ``.skeleton`` files to an annotation pkl.

Example::

    python tools/data/convert_ntu.py data/nturgbd_raw data/ntu120_3d.pkl \
        --benchmark ntu120 --num-workers 8
"""
import sys

from s2i_mm.converters.cli import (
    converter_parser,
    positive_int,
    run_converter,
)
from s2i_mm.converters.ntu import BENCHMARKS, convert_ntu


def parse_args(argv=None):
    parser = converter_parser(
        'Convert raw NTU RGB+D .skeleton files to the mmaction2 skeleton '
        'annotation schema (splits xsub/xview for NTU-60, xsub/xset for '
        'NTU-120; samples of the published missing-skeleton lists are '
        'excluded).',
        'directory searched recursively for *.skeleton files')
    parser.add_argument(
        '--benchmark', choices=sorted(BENCHMARKS), default=None,
        help='ntu60 or ntu120 (default: inferred, ntu120 if any setup > 17 '
        'or action > 60)')
    parser.add_argument(
        '--missing-list', metavar='FILE', default=None,
        help='sample names to exclude, one per line (default: the shipped '
        'published list of the benchmark; "" excludes nothing)')
    parser.add_argument('--max-bodies', type=positive_int, default=2,
                        help='bodies kept per sample (most motion first)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_converter(
        convert_ntu, args, benchmark=args.benchmark,
        missing_list=args.missing_list, max_bodies=args.max_bodies)


if __name__ == '__main__':
    sys.exit(main())
