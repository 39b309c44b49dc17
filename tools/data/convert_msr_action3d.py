"""Convert MSR-Action3D skeleton text files to an annotation pkl.

Example::

    python tools/data/convert_msr_action3d.py data/msr data/msr_action3d.pkl
"""
import sys

from s2i_mm.converters.cli import converter_parser, run_converter
from s2i_mm.converters.msr_action3d import FILE_LIST, convert_msr_action3d


def parse_args(argv=None):
    parser = converter_parser(
        'Convert MSR-Action3D (real_world_coordinates/*_skeleton3D.txt: '
        '"x y z confidence" per joint, 20 lines per frame) to the mmaction2 '
        'skeleton annotation schema (msr20 layout, all-zero frames dropped, '
        'class names from action_names.mat, labels action - 1; splits: '
        'xsub_train = odd subjects, xsub_val = even subjects (test), '
        'xsub_dev_train = subjects 1, 3, 5, 7, xsub_dev_val = subject 9).',
        'the unpacked msr/ folder (action_names.mat, real_world_coordinates/)')
    parser.add_argument(
        '--file-list', metavar='FILE', default=None,
        help=f'the sequences to convert, one aNN_sNN_eNN a line; other '
        f'files are counted as excluded (default: INPUT/{FILE_LIST}, the '
        f'standard list of 557)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_converter(convert_msr_action3d, args,
                         file_list=args.file_list)


if __name__ == '__main__':
    sys.exit(main())
