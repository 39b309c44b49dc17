"""Command-line plumbing shared by ``tools/data/convert_*.py``.

Every converter takes ``INPUT OUTPUT`` plus the same options
(``--num-workers``, ``--skip-bad``, ``--store``) and reports an expected
failure (malformed input, missing files, an output that cannot be written)
as one ``error:`` line on stderr with exit status 1 instead of a
traceback. SIGTERM stops a converter like Ctrl-C: its temporary files are
removed and its pool workers end.
"""
import argparse
import sys
from typing import Callable

from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.utils.custom_imports import (
    add_custom_imports_arg,
    import_custom_modules,
)
from s2i_mm.utils.process_lifetime import sigterm_as_exit

from .labels import split_pattern
from .pipeline import default_num_workers

__all__ = [
    'converter_parser', 'run_converter', 'positive_int', 'labels_arguments',
    'labels_options'
]


def positive_int(text: str) -> int:
    """An ``argparse`` type: an integer of at least 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f'must be a positive integer, got {text!r}')
    return value


def converter_parser(description: str,
                     input_help: str) -> argparse.ArgumentParser:
    """An argument parser with the options common to all converters.

    Args:
        description (str): What the converter does.
        input_help (str): Help of the ``input`` positional argument.

    Returns:
        argparse.ArgumentParser: Add the dataset-specific options to it.
    """
    parser = argparse.ArgumentParser(
        description=description,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument('input', help=input_help)
    parser.add_argument(
        'output', help='output annotation file (.pkl, mmaction2 skeleton '
        'schema); written all-or-nothing')
    parser.add_argument(
        '--num-workers', type=int, default=default_num_workers(),
        help='size of the process pool (1 parses in this process)')
    parser.add_argument(
        '--skip-bad', action='store_true',
        help='log malformed input files, leave them out and count them in '
        'the summary, instead of stopping at the first one')
    parser.add_argument(
        '--store', metavar='DIR', default=None,
        help='also write the memory-mapped packed store to DIR')
    return parser


def _split_pattern(text: str):
    try:
        return split_pattern(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def labels_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--labels``, ``--classes`` and ``--split-pattern``, the label
    and split options of the converters for a user's own data (see
    :mod:`.labels`)."""
    parser.add_argument(
        '--labels', metavar='CSV', default=None,
        help='labels file: header name,label[,protocol...]; label = index '
        '(0-based) or class name; a protocol column puts a sample in split '
        '<column>_<cell> (column "split": the cell is the split name). '
        'Inputs without a row are left out and counted as excluded. '
        'Without it every sample has label 0')
    parser.add_argument(
        '--classes', metavar='FILE', default=None,
        help='class names, one per line, in label order (default: the '
        'sorted class names of the labels file)')
    parser.add_argument(
        '--split-pattern', metavar='NAME=REGEX', type=_split_pattern,
        action='append', default=[],
        help='put the samples whose name matches REGEX (re.search) in '
        'split NAME; repeatable')
    # a --format name that a plugin module registers
    add_custom_imports_arg(parser)


def labels_options(args: argparse.Namespace) -> dict:
    """The keyword arguments of :func:`labels_arguments`'s options (and
    ``--format``) for a ``convert_*`` function of a user's own data."""
    return dict(skeleton_format=args.skeleton_format,
                labels_file=args.labels, classes_file=args.classes,
                split_patterns=args.split_pattern)


def run_converter(convert: Callable[..., dict],
                  args: argparse.Namespace,
                  **kwargs) -> int:
    """Call a ``convert_*`` function with the common options of ``args``.

    Args:
        convert (callable): ``convert(input, output, ..., num_workers,
            skip_bad, store_dir)``.
        args (argparse.Namespace): Parsed common options.
        **kwargs: Dataset-specific keyword arguments.

    Returns:
        int: Exit status (0 on success, 1 on an expected failure).
    """
    try:
        with sigterm_as_exit():
            import_custom_modules(getattr(args, 'custom_imports', ()))
            convert(args.input, args.output, num_workers=args.num_workers,
                    skip_bad=args.skip_bad,
                    store_dir=getattr(args, 'store', None), **kwargs)
    except (SkeletonDataError, OSError, ImportError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    return 0
