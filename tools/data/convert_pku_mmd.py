"""Convert PKU-MMD (phase I or II) skeleton + label files to clips.

Example::

    python tools/data/convert_pku_mmd.py data/pku_raw/v1 data/pku_v1.pkl \
        --split-file data/pku_raw/v1/cross-subject.txt \
        --split-file data/pku_raw/v1/cross-view.txt
"""
import sys

from s2i_mm.converters.cli import (
    converter_parser,
    positive_int,
    run_converter,
)
from s2i_mm.converters.pku_mmd import convert_pku_mmd


def parse_args(argv=None):
    parser = converter_parser(
        'Cut PKU-MMD long skeleton videos into action clips by their label '
        'intervals and write the mmaction2 skeleton annotation schema with '
        'the published cross-subject / cross-view splits.',
        'dataset root (holds skeleton/, label/ and the split files)')
    parser.add_argument('--skeleton-dir', default=None,
                        help='skeleton files (default: INPUT/skeleton)')
    parser.add_argument('--label-dir', default=None,
                        help='label files (default: INPUT/label)')
    parser.add_argument(
        '--split-file', action='append', default=None, metavar='[NAME=]PATH',
        help='a published split file ("Training videos:" / "Validataion '
        'videos:" sections); NAME defaults to xsub or xview from the file '
        'name; repeatable (default: *cross*subject*.txt and '
        '*cross*view*.txt in INPUT)')
    parser.add_argument('--max-bodies', type=positive_int, default=2,
                        help='bodies kept per clip (most motion first)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_converter(
        convert_pku_mmd, args, skeleton_dir=args.skeleton_dir,
        label_dir=args.label_dir, split_files=args.split_file,
        max_bodies=args.max_bodies)


if __name__ == '__main__':
    sys.exit(main())
