"""Shared machinery of the raw-dataset converters.

Parses every input file (in a process pool for large inputs, results in
input order, with a progress bar), stops at the first bad file in input
order or skips it (``skip_bad``), checks what each parser returns, and
writes the annotation pkl (and the packed store) all-or-nothing. Why the
pool is not mmengine's ``track_parallel_progress``: see
docs/converters.md, "Library".
"""
import functools
import os
import os.path as osp
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
)

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from s2i_mm.fileio.annotation import (
    SkeletonDataError,
    coordinate_problem,
    dump_annotation_file,
)
from s2i_mm.fileio.atomic import atomic_path, check_writable
from s2i_mm.fileio.store import check_store_destination, write_store
from s2i_mm.formats import rebase_format_reference
from s2i_mm.utils.process_lifetime import die_with_parent

from .errors import MalformedInputError

__all__ = [
    'default_num_workers', 'parse_inputs', 'check_parsed', 'assemble',
    'check_outputs', 'write_outputs', 'summarize',
    'convert_files'
]

#: A parser turns one input item into a list of annotation dicts.
Parser = Callable[[Any], List[Dict[str, Any]]]


def default_num_workers() -> int:
    """``min(8, number of CPUs)``, the default size of the process pool."""
    return min(8, os.cpu_count() or 1)


def _item_path(item: Any) -> str:
    """The file an input item names first (an item may be a tuple)."""
    return item if isinstance(item, str) else str(item[0])


def _item_files(item: Any) -> List[str]:
    return [item] if isinstance(item, str) else [
        f for f in item if isinstance(f, str)]


def check_parsed(item: Any, annotations: List[Dict[str, Any]]) -> None:
    """Whatever a parser made of ``item`` must be usable samples.

    Raises:
        MalformedInputError: Naming the input file, for a sample without a
            body or a frame, or with values S2I cannot encode (e.g. a file
            whose bodies are all zero, a value beyond float32 or
            ``MAX_COORDINATE``, see
            :func:`~s2i_mm.fileio.annotation.coordinate_problem`).
    """
    for ann in annotations:
        keypoint = ann['keypoint']
        if keypoint.ndim != 4 or 0 in keypoint.shape[:2]:
            raise MalformedInputError(
                _item_path(item), f'sample {ann["frame_dir"]!r}: no body or '
                f'no frame left (keypoint shape {keypoint.shape})')
        problem = coordinate_problem(keypoint)
        if problem is not None:
            raise MalformedInputError(
                _item_path(item), f'sample {ann["frame_dir"]!r}: keypoint '
                f'{problem}')


def _guarded(parser: Parser, item: Any):
    """Run ``parser`` on ``item`` and check its samples; return a
    malformed-input error instead of raising it, so that one bad file does
    not tear down the pool."""
    try:
        annotations = parser(item)
        check_parsed(item, annotations)
        return annotations, None
    except MalformedInputError as err:
        return None, err


def _stop_workers(executor: ProcessPoolExecutor) -> None:
    kill = getattr(executor, 'kill_workers', None)  # Python >= 3.14
    if kill is not None:
        kill()
        return
    # before 3.14 the executor's process table is the only handle
    for process in list((getattr(executor, '_processes', None)
                         or {}).values()):
        process.kill()


def _results(parser: Parser, items: Sequence[Any],
             num_workers: int) -> Iterator[Tuple[Any, Any]]:
    """Yield ``_guarded`` results in input order, in a pool if useful."""
    call = functools.partial(_guarded, parser)
    if num_workers <= 1 or len(items) <= num_workers:
        yield from map(call, items)
        return
    chunksize = max(1, min(64, len(items) // (num_workers * 8)))
    executor = ProcessPoolExecutor(
        max_workers=num_workers, initializer=die_with_parent,
        initargs=(os.getpid(), ))
    try:
        yield from executor.map(call, items, chunksize=chunksize)
    except BaseException:
        # an early stop (bad file, Ctrl-C, SIGTERM): a worker may be stuck
        # in a long or blocking read; do not wait for it
        _stop_workers(executor)
        raise
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def parse_inputs(parser: Parser,
                 items: Sequence[Any],
                 num_workers: int = 1,
                 skip_bad: bool = False,
                 description: str = 'converting',
                 console: Optional[Console] = None
                 ) -> Tuple[List[Dict[str, Any]], List[MalformedInputError]]:
    """Parse all input items into annotations.

    Args:
        parser (callable): Item -> list of annotation dicts. Must be a
            module-level function (or a ``functools.partial`` of one) so it
            can be sent to worker processes, and must raise
            :class:`MalformedInputError` for bad input.
        items (Sequence): The inputs (usually file paths), in the order
            the annotations should have.
        num_workers (int): Size of the process pool; ``<= 1`` parses in
            this process. Defaults to 1.
        skip_bad (bool): Log and leave out malformed files instead of
            stopping. Defaults to False.
        description (str): Label of the progress bar.
        console (Console, optional): Where progress and warnings go.

    Returns:
        tuple: The annotations (in input order) and the errors of the
        skipped files.

    Raises:
        MalformedInputError: The first malformed item in input order, when
            ``skip_bad`` is False.
    """
    console = console or Console(stderr=True)
    annotations: List[Dict[str, Any]] = []
    bad: List[MalformedInputError] = []
    columns = (TextColumn('[progress.description]{task.description}'),
               BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(description, total=len(items))
        for result, error in _results(parser, items, num_workers):
            if error is not None:
                if not skip_bad:
                    raise error
                bad.append(error)
                progress.console.print(
                    f'[yellow]skipped bad file[/yellow] {escape(str(error))}',
                    highlight=False, soft_wrap=True)
            else:
                annotations.extend(result)
            progress.advance(task)
    return annotations, bad


def assemble(annotations: List[Dict[str, Any]],
             splits: Dict[str, Iterable[str]],
             skeleton_format: str,
             classes: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Build the annotation dict of the mmaction2 skeleton schema.

    Args:
        annotations (list[dict]): Samples with unique ``frame_dir``.
        splits (dict): Split name -> names of its samples.
        skeleton_format (str): Layout name stored as ``'skeleton_format'``.
        classes (Sequence[str], optional): Class names, index = label.

    Returns:
        dict: ``{'split', 'annotations', 'skeleton_format'[, 'classes']}``.

    Raises:
        SkeletonDataError: On a duplicate ``frame_dir`` or a split naming
            an unknown sample.
    """
    names = Counter(a['frame_dir'] for a in annotations)
    dupes = [n for n, c in names.items() if c > 1]
    if dupes:
        raise SkeletonDataError(
            f'duplicate sample names: {sorted(dupes)[:5]}')
    split = {}
    for name, members in splits.items():
        members = list(members)
        unknown = [m for m in members if m not in names]
        if unknown:
            raise SkeletonDataError(
                f'split {name!r} names unknown samples {unknown[:5]}')
        split[name] = members
    data = {'split': split, 'annotations': annotations,
            'skeleton_format': skeleton_format}
    if classes is not None:
        data['classes'] = list(classes)
    return data


def check_outputs(out_file: str, store_dir: Optional[str],
                  items: Sequence[Any] = ()) -> None:
    """Fail before parsing if the outputs cannot be written.

    Args:
        out_file (str): Destination ``.pkl``: not a directory, not one of
            the inputs, in a place where files can be created.
        store_dir (str, optional): Destination of the packed store:
            absent, empty or a store s2i_mm wrote (never another folder;
            see :func:`s2i_mm.fileio.store.check_store_destination`).
        items (Sequence): The input items.

    Raises:
        SkeletonDataError: The output is one of the inputs.
        OSError: Not writable, a directory, or a folder that is not a
            store (``FileExistsError``).
    """
    if osp.isdir(out_file):
        raise IsADirectoryError(f'{out_file} is a directory; name the '
                                'output file')
    inputs = {osp.realpath(f) for item in items for f in _item_files(item)}
    if osp.realpath(out_file) in inputs:
        raise SkeletonDataError(f'{out_file} is one of the input files')
    check_writable(out_file)
    if store_dir is not None:
        check_store_destination(store_dir, overwrite=True)


def write_outputs(data: Dict[str, Any], out_file: str,
                  store_dir: Optional[str] = None) -> None:
    """Write the annotation pkl (and the packed store), all-or-nothing.

    The pkl is written under a temporary name next to ``out_file`` and the
    store in a temporary directory next to ``store_dir``; the store is
    renamed into place after it was written, then the pkl, so a failure
    leaves neither behind. An existing store at ``store_dir`` is replaced
    only if s2i_mm wrote it.

    Args:
        data (dict): The assembled annotation dict.
        out_file (str): Destination ``.pkl``.
        store_dir (str, optional): Destination directory of the packed
            store.
    """
    if store_dir is None:
        dump_annotation_file(data, out_file)
        return
    store_format = rebase_format_reference(data.get('skeleton_format'),
                                           out_file, store_dir)
    with atomic_path(out_file) as tmp_pkl:
        dump_annotation_file(data, tmp_pkl)
        write_store(dict(data, skeleton_format=store_format), store_dir,
                    overwrite=True, progress=True)


def summarize(data: Dict[str, Any], num_inputs: int,
              bad: Sequence[MalformedInputError], excluded: int = 0,
              console: Optional[Console] = None) -> Dict[str, Any]:
    """Print and return the final summary of a conversion.

    Args:
        data (dict): The written annotation dict.
        num_inputs (int): Input files found.
        bad (Sequence[MalformedInputError]): Files skipped as malformed.
        excluded (int): Files left out on purpose (e.g. published lists
            of samples with missing skeletons).
        console (Console, optional): Where to print.

    Returns:
        dict: ``inputs``, ``samples``, ``bad``, ``excluded`` and
        ``splits`` (name -> size).
    """
    console = console or Console()
    summary = {
        'inputs': num_inputs,
        'samples': len(data['annotations']),
        'bad': len(bad),
        'excluded': excluded,
        'splits': {k: len(v) for k, v in sorted(data['split'].items())},
    }
    console.print(
        f"{summary['samples']} samples from {num_inputs} input files; "
        f"{summary['bad']} bad files skipped; {excluded} files excluded",
        highlight=False, soft_wrap=True)
    for name, size in summary['splits'].items():
        console.print(f'  split {name}: {size}', highlight=False,
                      soft_wrap=True)
    for error in bad:
        console.print(f'  bad: {error}', highlight=False, markup=False,
                      soft_wrap=True)
    return summary


def convert_files(parser: Parser,
                  items: Sequence[Any],
                  make_splits: Callable[[List[Dict[str, Any]]],
                                        Dict[str, List[str]]],
                  out_file: str,
                  skeleton_format: str,
                  classes: Optional[Sequence[str]] = None,
                  num_workers: int = 1,
                  skip_bad: bool = False,
                  store_dir: Optional[str] = None,
                  excluded: int = 0,
                  description: str = 'converting') -> Dict[str, Any]:
    """Parse, split, write and summarize: the body of every converter.

    Args:
        parser (callable): See :func:`parse_inputs`.
        items (Sequence): The input items, in output order.
        make_splits (callable): Annotations -> split name -> sample names.
        out_file (str): Destination annotation ``.pkl``.
        skeleton_format (str): Layout name of the keypoints.
        classes (Sequence[str], optional): Class names, index = label.
        num_workers (int): Process pool size. Defaults to 1.
        skip_bad (bool): Skip malformed files instead of stopping.
        store_dir (str, optional): Also write the packed store here.
        excluded (int): Input files left out on purpose (for the summary).
        description (str): Progress bar label.

    Returns:
        dict: The summary of :func:`summarize`.

    Raises:
        MalformedInputError: On the first malformed file (without
            ``skip_bad``).
        SkeletonDataError: When no sample could be converted.
        OSError: An output cannot be written (checked before parsing; see
            :func:`check_outputs`).
    """
    check_outputs(out_file, store_dir, items)
    annotations, bad = parse_inputs(parser, items, num_workers, skip_bad,
                                    description)
    if not annotations:
        raise SkeletonDataError(
            f'{out_file}: nothing to write: none of the {len(items)} '
            f'inputs gave a sample ({len(bad)} bad, {excluded} excluded)')
    data = assemble(annotations, make_splits(annotations), skeleton_format,
                    classes)
    write_outputs(data, out_file, store_dir)
    return summarize(data, len(items) + excluded, bad, excluded)
