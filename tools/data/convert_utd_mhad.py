"""Convert UTD-MHAD skeleton MAT files to an annotation pkl.

Example::

    python tools/data/convert_utd_mhad.py data/utd_mhad data/utd_mhad.pkl
"""
import sys

from s2i_mm.converters.cli import converter_parser, run_converter
from s2i_mm.converters.utd_mhad import convert_utd_mhad


def parse_args(argv=None):
    parser = converter_parser(
        'Convert UTD-MHAD (a<A>_s<S>_t<T>_skeleton.mat, d_skel (20, 3, T)) '
        'to the mmaction2 skeleton annotation schema (utd20 layout, the 27 '
        'class names, labels A - 1; splits: xsub_train = subjects 1, 3, 5, '
        '7, xsub_val = subjects 2, 4, 6, 8 (test), xsub_dev_train = '
        'subjects 1, 3, 5, xsub_dev_val = subject 7).',
        'folder of the *_skeleton.mat files')
    return parser.parse_args(argv)


def main(argv=None):
    return run_converter(convert_utd_mhad, parse_args(argv))


if __name__ == '__main__':
    sys.exit(main())
