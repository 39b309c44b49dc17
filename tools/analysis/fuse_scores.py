"""Fuse the class scores of several streams' ``tools/test.py --dump`` files.

Samples are matched by name (``frame_dir``), whatever the row order of each
file; files with different sample sets or labels are refused, naming the
first sample that differs. The fused scores are a weighted sum of the
streams' probabilities (``--mode prob``) or logits (``--mode logit``), with
the given ``--weights``, equal weights, or the weights that give the best
top-1 on a held-out split's dumps (``--search``, the same streams in the
same order). Prints top-1 / top-5 / mean class accuracy of every stream and
of the fusion, then the same as one JSON line.

Example::

    python tools/analysis/fuse_scores.py joint.pkl motion.pkl bone.pkl \\
        --search joint_val.pkl motion_val.pkl bone_val.pkl \\
        --names joint motion bone --out fused.pkl
"""
import argparse
import json
import sys

from rich.console import Console
from rich.table import Table

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.evaluation.score_fusion import (
    FUSION_MODES,
    ScoreFusionError,
    align_dumps,
    fuse_scores,
    load_dump,
    save_dump,
    score_metrics,
    search_weights,
)

COLUMNS = (('top1', 'top-1'), ('top5', 'top-5'),
           ('mean_class', 'mean class acc'))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Fuse per-stream score dumps of tools/test.py --dump')
    parser.add_argument('dumps', nargs='+', metavar='DUMP',
                        help='one dump per stream, of the same samples')
    how = parser.add_mutually_exclusive_group()
    how.add_argument('--weights', nargs='+', type=float, metavar='W',
                     help='one weight per dump (default: equal weights)')
    how.add_argument(
        '--search', nargs='+', metavar='VAL_DUMP',
        help='dumps of a held-out split, one per stream in the same order: '
        'the weights with the best top-1 there are applied')
    parser.add_argument('--mode', choices=FUSION_MODES, default='prob',
                        help='fuse probabilities (default) or logits')
    parser.add_argument(
        '--step', type=float, default=0.1,
        help='grid step of --search on the simplex of weights '
        '(default 0.1)')
    parser.add_argument('--names', nargs='+', metavar='NAME',
                        help='stream names for the table (default: the paths)')
    parser.add_argument('--out', help='write the fused dump (.pkl) here')
    add_debug_arg(parser)
    args = parser.parse_args(argv)
    count = len(args.dumps)
    if args.weights is not None and len(args.weights) != count:
        parser.error(f'{len(args.weights)} --weights for {count} dumps')
    if args.search is not None and len(args.search) != count:
        parser.error(f'{len(args.search)} --search dumps for {count} dumps')
    if args.names is not None and len(args.names) != count:
        parser.error(f'{len(args.names)} --names for {count} dumps')
    if args.out is not None and not args.out.endswith(('.pkl', '.pickle')):
        parser.error(f'--out expects a .pkl path, got {args.out!r}')
    return args


def _percent(metrics: dict, key: str) -> str:
    return f'{metrics[key]:.2f}' if key in metrics else 'n/a'


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    console = Console()
    try:
        dumps = align_dumps([load_dump(p) for p in args.dumps])
        searched = None
        if args.search is not None:
            val = align_dumps([load_dump(p) for p in args.search])
            weights, searched = search_weights(val, args.mode, args.step)
        else:
            weights = args.weights or [1.] * len(dumps)
        fused = fuse_scores([d.scores for d in dumps], weights, args.mode)
    except (ScoreFusionError, ValueError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 2
    names = args.names or args.dumps
    labels = dumps[0].labels
    rows = [(name, score_metrics(d.scores, labels))
            for name, d in zip(names, dumps)]
    weight_text = ', '.join(f'{w:g}' for w in weights)
    rows.append((f'fusion ({args.mode}; {weight_text})',
                 score_metrics(fused, labels)))

    table = Table(title=f'{len(labels)} samples')
    table.add_column('stream')
    for _, title in COLUMNS:
        table.add_column(title, justify='right')
    for name, metrics in rows:
        table.add_row(name, *(_percent(metrics, k) for k, _ in COLUMNS))
    console.print(table)
    if searched is not None:
        console.print(
            f'weights searched on {len(args.search)} held-out dumps (top-1 '
            f'{searched["top1"]:.2f} there)', markup=False)
    if args.out:
        save_dump(args.out, fused, dumps[0])
        console.print(f'fused scores written to {args.out}', markup=False)
    print(json.dumps(dict(
        mode=args.mode, weights=[float(w) for w in weights],
        streams={n: m for n, m in rows[:-1]}, fusion=rows[-1][1],
        searched_on=searched)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
