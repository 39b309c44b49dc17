"""Convert Toyota Smarthome LCR-Net++ 3D pose files to an annotation pkl.

Example::

    python tools/data/convert_toyota.py data/smarthome/skeletonv12 \
        data/toyota_cs.pkl
    python tools/data/convert_toyota.py data/smarthome/skeletonv12 \
        data/toyota_cv.pkl --label-space cv
"""
import sys

from s2i_mm.converters.cli import converter_parser, run_converter
from s2i_mm.converters.toyota import LABEL_SPACES, convert_toyota


def parse_args(argv=None):
    parser = converter_parser(
        'Convert Toyota Smarthome skeleton files '
        '(<Activity>_pNN_rNN_vNN_cNN_pose3d.json, {"njts": 13, "frames": '
        '[[{"pose3d": [39 numbers]}]]}) to the mmaction2 skeleton '
        'annotation schema (lcrnet13 layout; CS, CV1, CV2 splits).',
        'directory of the *_pose3d.json files')
    parser.add_argument(
        '--label-space', choices=sorted(LABEL_SPACES), default='cs',
        help='cs: the 31 activities (all clips); cv: only the 19 '
        'cross-view activities, labelled 0..18 (for CV1/CV2 results)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_converter(convert_toyota, args, label_space=args.label_space)


if __name__ == '__main__':
    sys.exit(main())
