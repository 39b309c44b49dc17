"""Pack a skeleton annotation pkl into a memory-mapped store.

Checks every sample and writes the store (``.npy`` arrays, ``index.npz``,
``meta.json``; no pickle) all-or-nothing, replacing only an empty folder
or, with ``--overwrite``, a store s2i_mm wrote. See docs/datasets.md,
"Packed stores (memory-mapped)".

Example::

    python tools/data/pack.py data/ntu120_3d.pkl data/ntu120_3d \\
        --skeleton-format ntu25 --preprocess
"""
import argparse
import sys

from rich.console import Console

import s2i_mm  # noqa: F401
from s2i_mm.datasets import DEFAULT_PREPROCESS, normalize_preprocess
from s2i_mm.datasets.preprocess import prepare_annotations
from s2i_mm.fileio import SkeletonDataError, load_annotation_file, write_store
from s2i_mm.fileio.annotation import resolve_format
from s2i_mm.fileio.store import check_store_destination, is_own_store
from s2i_mm.formats import (
    is_spec_path,
    rebase_format_reference,
    record_format_reference,
)
from s2i_mm.utils.custom_imports import (
    add_custom_imports_arg,
    import_custom_modules,
)
from s2i_mm.utils.process_lifetime import sigterm_as_exit


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Pack a skeleton annotation pkl into a store')
    parser.add_argument('input', help='annotation file (.pkl)')
    parser.add_argument('output', help='store directory to create')
    parser.add_argument(
        '--skeleton-format',
        help='layout of the data, a name or a spec file (default: the '
        'one the file records)')
    add_custom_imports_arg(parser)
    parser.add_argument(
        '--preprocess', action='store_true',
        help='store samples preprocessed as SkeletonDataset does by default '
        '(drop empty bodies/frames, centre); the dataset then uses the '
        'store directly instead of caching a processed copy')
    parser.add_argument(
        '--align', action='store_true',
        help='with --preprocess, also align the shoulders with the x axis')
    parser.add_argument(
        '--overwrite', action='store_true',
        help='replace an existing store (only a store s2i_mm wrote)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    console = Console(stderr=True)
    options = None
    if args.preprocess:
        options = normalize_preprocess(
            dict(DEFAULT_PREPROCESS, align=args.align))
    try:
        with sigterm_as_exit():
            import_custom_modules(args.custom_imports)
            check_store_destination(args.output, args.overwrite)
            data = load_annotation_file(args.input)
            fmt = resolve_format(args.input, args.skeleton_format,
                                 data.get('skeleton_format'),
                                 '--skeleton-format')
            recorded = data.get('skeleton_format')
            prepare_annotations(data, fmt, options, args.input)
            # the store records a reference that resolves without the
            # user's option: a spec path given (relative to the store),
            # else what the pkl records (rebased), else the given name
            given = args.skeleton_format
            data['skeleton_format'] = (
                record_format_reference(given, args.output)
                if given and (is_spec_path(given) or recorded is None) else
                rebase_format_reference(recorded, args.input, args.output))
            write_store(data, args.output, preprocess=options,
                        source=dict(path=args.input),
                        overwrite=args.overwrite, progress=True)
    except (SkeletonDataError, OSError, ImportError) as err:
        hint = (' (pass --overwrite to replace it)'
                if isinstance(err, FileExistsError) and not args.overwrite
                and is_own_store(args.output) else '')
        console.print(f'error: {err}{hint}', markup=False, soft_wrap=True)
        return 1
    console.print(
        f'packed {len(data["annotations"])} samples into {args.output}',
        markup=False)
    return 0


if __name__ == '__main__':
    sys.exit(main())
