"""Labels and splits of a user's own dataset: a labels file and name
patterns (shared by ``convert_generic.py`` and ``convert_mmpose.py``).

The labels file is a CSV ``name,label[,protocol...]`` with one row per
sample; ``--split-pattern NAME=REGEX`` puts the samples whose name matches
in split ``NAME``. Layout and rules: see docs/converters.md, "Your own
sequences".
"""
import csv
import re
from typing import (
    Any,
    Dict,
    Iterable,
    Iterator,
    List,
    Optional,
    Sequence,
    Tuple,
)

from rich.console import Console

from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.formats import record_format_reference

from .errors import MalformedInputError, read_text
from .pipeline import Parser, convert_files

__all__ = [
    'LabelTable', 'read_classes', 'read_labels', 'split_pattern',
    'pattern_splits', 'check_split_sources', 'make_splits', 'label_inputs',
    'report_excluded', 'convert_labelled_inputs'
]

_INTEGER = re.compile(r'^[+-]?\d+$')


class LabelTable:
    """What a labels file says about each sample.

    Attributes:
        path (str): The labels file.
        labels (dict): Sample name -> 0-based label.
        lines (dict): Sample name -> its line in the file (1-based).
        classes (list[str] | None): Class names, index = label.
        splits (dict): Split name -> sample names (file order).
    """

    def __init__(self, path: str, labels: Dict[str, int],
                 lines: Dict[str, int], classes: Optional[List[str]],
                 splits: Dict[str, List[str]]):
        self.path = path
        self.labels = labels
        self.lines = lines
        self.classes = classes
        self.splits = splits

    def check_names(self, names: Iterable[str]) -> None:
        """Every sample the file labels must have an input file.

        Raises:
            MalformedInputError: Naming the labels file and the line of
                the first unknown name.
        """
        names = set(names)
        for name, line in self.lines.items():
            if name not in names:
                raise MalformedInputError(
                    self.path, f'sample {name!r} has no input file (sample '
                    'names are paths relative to the input folder without '
                    'the extension, with / separators)', line)


def read_classes(path: str) -> List[str]:
    """Class names, one per line (blank lines and surrounding spaces are
    ignored).

    Raises:
        MalformedInputError: Unreadable, empty, or a name given twice.
    """
    classes: List[str] = []
    seen: Dict[str, int] = {}
    for number, line in enumerate(read_text(path).splitlines(), 1):
        name = line.strip().lstrip('\ufeff')
        if not name:
            continue
        if name in seen:
            raise MalformedInputError(
                path, f'class {name!r} is already named on line '
                f'{seen[name]}', number)
        seen[name] = number
        classes.append(name)
    if not classes:
        raise MalformedInputError(path, 'no class names')
    return classes


def _rows(path: str) -> Iterable[Tuple[int, List[str]]]:
    """``(line number, cells)`` of the non-blank rows of a CSV file."""
    text = read_text(path).lstrip('\ufeff')
    reader = csv.reader(text.splitlines())
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                yield reader.line_num, [c.strip() for c in cells]
    except csv.Error as err:
        raise MalformedInputError(path, f'bad CSV: {err}',
                                  reader.line_num) from None


def _protocol_columns(path: str,
                      rows: Iterator[Tuple[int, List[str]]]) -> List[str]:
    """Read the header row ``name,label[,protocol...]`` off ``rows``.

    Returns:
        list[str]: The protocol columns (those after ``name,label``).

    Raises:
        MalformedInputError: Another header, or a protocol column that is
            empty, repeated or named ``name`` / ``label``.
    """
    line, header = next(rows, (1, []))
    if header[:2] != ['name', 'label']:
        raise MalformedInputError(
            path, f'the header row must start with name,label (got '
            f'{",".join(header)!r:.80})', line)
    protocols = header[2:]
    for column in protocols:
        if not column or column in ('name', 'label') or \
                protocols.count(column) > 1:
            raise MalformedInputError(
                path, f'protocol column {column!r} is empty, repeated or '
                'reserved', line)
    return protocols


def _sample_rows(path: str, rows: Iterable[Tuple[int, List[str]]],
                 width: int) -> Iterator[Tuple[int, List[str]]]:
    """The sample rows after the header, each with ``width`` cells, a name
    not seen before and a label cell.

    Raises:
        MalformedInputError: Naming the line of the first row that is not.
    """
    first_line: Dict[str, int] = {}
    for line, cells in rows:
        if len(cells) != width:
            raise MalformedInputError(
                path, f'{len(cells)} cells, the header has {width}', line)
        name, label = cells[:2]
        if not name:
            raise MalformedInputError(path, 'empty sample name', line)
        if name in first_line:
            raise MalformedInputError(
                path, f'sample {name!r} is already labelled on line '
                f'{first_line[name]}', line)
        if not label:
            raise MalformedInputError(path, f'sample {name!r}: empty label',
                                      line)
        first_line[name] = line
        yield line, cells


class _LabelCells:
    """Label cells checked as they are read, then resolved to indices.

    With ``classes`` a cell equal to a class name is that class and any
    other cell must be an index below the number of classes; without, the
    cells must be all indices or all names (the classes are then the
    sorted names).

    Args:
        path (str): The labels file, for errors.
        classes (Sequence[str], optional): The class names of ``--classes``.
    """

    def __init__(self, path: str, classes: Optional[Sequence[str]]):
        self.path = path
        self.classes = None if classes is None else list(classes)
        self.index = {name: i for i, name in enumerate(self.classes or ())}
        self.cells: Dict[str, str] = {}
        self._first_kind: Optional[Tuple[bool, int]] = None  # without classes

    def add(self, name: str, label: str, line: int) -> None:
        """Check the label cell of sample ``name`` and keep it.

        Raises:
            MalformedInputError: A negative index, an index beyond the
                classes, a name that is not a class, or (without classes)
                an index after a name or a name after an index.
        """
        is_index = label not in self.index and bool(_INTEGER.match(label))
        if is_index and int(label) < 0:
            problem = f'label {label} is negative'
        elif self.classes is not None:
            problem = self._against_classes(label, is_index)
        else:
            problem = self._against_first_row(label, is_index, line)
        if problem:
            raise MalformedInputError(self.path,
                                      f'sample {name!r}: {problem}', line)
        self.cells[name] = label

    def _against_classes(self, label: str, is_index: bool) -> Optional[str]:
        """What is wrong with a cell given ``--classes``, if anything."""
        if is_index and int(label) >= len(self.classes):
            return (f'label {label} but --classes names {len(self.classes)} '
                    'classes')
        if not is_index and label not in self.index:
            return f'label {label!r} is not a class of --classes'
        return None

    def _against_first_row(self, label: str, is_index: bool,
                           line: int) -> Optional[str]:
        """Without ``--classes``: an index after a name or a name after an
        index is wrong."""
        if self._first_kind is None:
            self._first_kind = (is_index, line)
        elif self._first_kind[0] != is_index:
            kinds = ('a class name', 'an index')
            return (f'label {label!r} is {kinds[is_index]} but line '
                    f'{self._first_kind[1]} has {kinds[not is_index]}; '
                    'without --classes use indices only or names only')
        return None

    def resolve(self) -> Tuple[Dict[str, int], Optional[List[str]]]:
        """Sample name -> 0-based label, and the class names (None when
        the cells were indices and no classes were given)."""
        if self.classes is None and self._first_kind is not None and \
                not self._first_kind[0]:
            self.classes = sorted(set(self.cells.values()))
            self.index = {name: i for i, name in enumerate(self.classes)}
        labels = {
            name: self.index[cell] if cell in self.index else int(cell)
            for name, cell in self.cells.items()
        }
        return labels, self.classes


def _protocol_splits(protocols: Sequence[str],
                     rows: Iterable[Tuple[str, Sequence[str]]]
                     ) -> Dict[str, List[str]]:
    """Split name -> sample names (file order), from ``(sample name,
    protocol cells)`` rows: a non-empty cell ``v`` of column ``c`` puts the
    sample in split ``c_v``, or ``v`` for column ``split``."""
    splits: Dict[str, List[str]] = {}
    for name, cells in rows:
        for column, value in zip(protocols, cells):
            if value:
                split = value if column == 'split' else f'{column}_{value}'
                splits.setdefault(split, []).append(name)
    return splits


def read_labels(path: str,
                classes: Optional[Sequence[str]] = None) -> LabelTable:
    """Read a labels file (layout: the module docstring).

    Args:
        path (str): The CSV file.
        classes (Sequence[str], optional): The class names of
            ``--classes``.

    Returns:
        LabelTable: Labels, lines, classes and protocol splits.

    Raises:
        MalformedInputError: Naming the file and line: a header that is not
            ``name,label,...``, a row with another number of cells, an
            empty or repeated name, an empty label, a label that is
            negative, beyond ``classes`` or not one of them, labels that
            mix indices and names without ``classes``, no rows.
    """
    rows = iter(_rows(path))
    protocols = _protocol_columns(path, rows)
    label_cells = _LabelCells(path, classes)
    lines: Dict[str, int] = {}
    protocol_cells = []
    for line, cells in _sample_rows(path, rows, 2 + len(protocols)):
        name, label = cells[:2]
        label_cells.add(name, label, line)
        lines[name] = line
        protocol_cells.append((name, cells[2:]))
    if not lines:
        raise MalformedInputError(path, 'no sample rows after the header')
    labels, class_names = label_cells.resolve()
    return LabelTable(path, labels, lines, class_names,
                      _protocol_splits(protocols, protocol_cells))


def split_pattern(text: str) -> Tuple[str, 're.Pattern']:
    """Parse ``NAME=REGEX`` (the ``--split-pattern`` argument).

    Raises:
        ValueError: No ``=``, an empty name, or a bad regular expression.
    """
    name, sep, pattern = text.partition('=')
    if not sep or not name.strip():
        raise ValueError(f'expected NAME=REGEX, got {text!r}')
    try:
        return name.strip(), re.compile(pattern)
    except re.error as err:
        raise ValueError(f'{text!r}: bad regular expression: {err}') \
            from None


def pattern_splits(names: Sequence[str],
                   patterns: Sequence[Tuple[str, 're.Pattern']]
                   ) -> Dict[str, List[str]]:
    """Split name -> the ``names`` that its pattern finds (in order)."""
    splits: Dict[str, List[str]] = {}
    for split, pattern in patterns:
        members = splits.setdefault(split, [])
        members.extend(n for n in names
                       if pattern.search(n) and n not in members)
    return splits


def check_split_sources(table: Optional[LabelTable],
                        patterns: Sequence[Tuple[str, 're.Pattern']]
                        ) -> None:
    """A split comes from the labels file or from patterns, not both.

    Raises:
        SkeletonDataError: Naming the splits given both ways.
    """
    both = sorted({name for name, _ in patterns}
                  & set({} if table is None else table.splits))
    if both:
        raise SkeletonDataError(
            f'split(s) {both} come both from the labels file '
            f'{table.path} and from --split-pattern; use one of them')


def make_splits(names: Sequence[str],
                table: Optional[LabelTable] = None,
                patterns: Sequence[Tuple[str, 're.Pattern']] = ()
                ) -> Dict[str, List[str]]:
    """The splits of the converted samples: the labels file's protocols
    and the name patterns, each limited to ``names`` and in their order.

    Call :func:`check_split_sources` first (before parsing).
    """
    position = {n: i for i, n in enumerate(names)}
    splits = {
        split: sorted((m for m in members if m in position),
                      key=position.__getitem__)
        for split, members in ({} if table is None else
                               table.splits).items()
    }
    splits.update(pattern_splits(names, patterns))
    return splits


def label_inputs(named: Sequence[Tuple[str, str]],
                 labels_file: Optional[str] = None,
                 classes_file: Optional[str] = None
                 ) -> Tuple[List[Tuple[str, int]], Optional[LabelTable],
                            List[str]]:
    """Attach labels to the input files of a user's dataset.

    Args:
        named (Sequence[tuple]): ``(path, sample name)`` of every input.
        labels_file (str, optional): The labels file. Without it every
            sample gets label 0 (e.g. for self-supervised pretraining).
        classes_file (str, optional): Class names, one per line.

    Returns:
        tuple: The parser items ``(path, label)`` of the labelled inputs
        (input order), the :class:`LabelTable` (or None) and the names of
        the inputs left out because the labels file has no row for them.

    Raises:
        MalformedInputError: A bad labels or classes file, or a labels
            row naming a sample that has no input file.
    """
    classes = None if classes_file is None else read_classes(classes_file)
    if labels_file is None:
        if classes is not None:
            raise SkeletonDataError('--classes needs --labels')
        return [(path, 0) for path, _ in named], None, []
    table = read_labels(labels_file, classes)
    table.check_names(name for _, name in named)
    items = [(path, table.labels[name]) for path, name in named
             if name in table.labels]
    excluded = [name for _, name in named if name not in table.labels]
    return items, table, excluded


def report_excluded(excluded: Sequence[str], labels_file: str) -> None:
    """Say on stderr which inputs the labels file leaves out."""
    if excluded:
        shown = ', '.join(excluded[:5])
        more = f' and {len(excluded) - 5} more' if len(excluded) > 5 else ''
        Console(stderr=True).print(
            f'{len(excluded)} input(s) have no row in {labels_file} and are '
            f'left out: {shown}{more}', highlight=False, markup=False,
            soft_wrap=True)


def convert_labelled_inputs(parser: Parser,
                            named: Sequence[Tuple[str, str]],
                            out_file: str,
                            skeleton_format: str,
                            labels_file: Optional[str] = None,
                            classes_file: Optional[str] = None,
                            split_patterns: Sequence[Tuple[str, Any]] = (),
                            **kwargs) -> Dict[str, Any]:
    """:func:`~.pipeline.convert_files` for a user's own data: labels from
    the labels file (inputs without a row left out and counted as
    excluded), splits from its protocols and the name patterns, the format
    recorded by :func:`~s2i_mm.formats.record_format_reference`.

    Args:
        parser (callable): ``(path, label) -> [annotation]``.
        named (Sequence[tuple]): ``(path, sample name)`` of every input.
        out_file (str): Destination annotation ``.pkl``.
        skeleton_format (str): The format the user named.
        labels_file, classes_file (str, optional): See
            :func:`label_inputs`.
        split_patterns (Sequence[tuple]): ``(split, compiled regex)``.
        **kwargs: ``num_workers``, ``skip_bad``, ``store_dir``,
            ``description`` of :func:`~.pipeline.convert_files`.

    Returns:
        dict: The conversion summary (also printed).
    """
    items, table, excluded = label_inputs(named, labels_file, classes_file)
    check_split_sources(table, split_patterns)
    report_excluded(excluded, labels_file)
    return convert_files(
        parser, items,
        lambda anns: make_splits([a['frame_dir'] for a in anns], table,
                                 split_patterns), out_file,
        record_format_reference(skeleton_format, out_file),
        classes=None if table is None else table.classes,
        excluded=len(excluded), **kwargs)
