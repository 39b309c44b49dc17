"""Convert NW-UCLA per-sequence JSON files to an annotation pkl.

Example::

    python tools/data/convert_nw_ucla.py data/NW-UCLA/all_sqe \
        data/nw_ucla.pkl
"""
import sys

from s2i_mm.converters.cli import converter_parser, run_converter
from s2i_mm.converters.nw_ucla import convert_nw_ucla


def parse_args(argv=None):
    parser = converter_parser(
        'Convert NW-UCLA JSON files ({"file_name", "skeletons" [T][20][3], '
        '"label" 1-based}) to the mmaction2 skeleton annotation schema '
        '(kinect20 layout, 0-based labels, cross-view split: views 1 and 2 '
        'train, view 3 validates).',
        'directory of the per-sequence *.json files (e.g. all_sqe)')
    return parser.parse_args(argv)


def main(argv=None):
    return run_converter(convert_nw_ucla, parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
