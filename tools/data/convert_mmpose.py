"""Convert mmpose 2D pose predictions to an annotation pkl.

Example::

    python tools/data/convert_mmpose.py preds data/my_clips_2d.pkl \
        --labels data/labels.csv --max-persons 2 --person-rule track

See docs/converters.md, "mmpose predictions".
"""
import sys

from s2i_mm.converters.cli import (
    converter_parser,
    labels_arguments,
    labels_options,
    positive_int,
    run_converter,
)
from s2i_mm.converters.mmpose import PERSON_RULES, convert_mmpose


def parse_args(argv=None):
    parser = converter_parser(
        'Convert mmpose prediction files (MMPoseInferencer pred_out_dir on '
        'videos or frame folders, or the demo scripts\' --save-predictions) '
        'to the mmaction2 skeleton annotation schema: keypoint [M, T, K, 3] '
        'with x, y and the keypoint score.',
        'folder searched recursively for <clip>.json files and <clip>/ '
        'folders of per-frame .json files')
    parser.add_argument(
        '--format', default='coco17', dest='skeleton_format',
        help='keypoint layout: a registered name or a spec file whose '
        'channels are (x, y, score); recorded in the output')
    labels_arguments(parser)
    parser.add_argument(
        '--max-persons', type=positive_int, default=2,
        help='persons kept per clip')
    parser.add_argument(
        '--person-rule', choices=PERSON_RULES, default='track',
        help='track: box-IoU tracks, the ones with the highest summed '
        'keypoint score; score: per frame the instances with the highest '
        'mean keypoint score')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    return run_converter(
        convert_mmpose, args, max_persons=args.max_persons,
        person_rule=args.person_rule, **labels_options(args))


if __name__ == '__main__':
    sys.exit(main())
