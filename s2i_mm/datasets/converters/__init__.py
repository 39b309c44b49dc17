"""Raw-dataset converters: NTU RGB+D, PKU-MMD, NW-UCLA, Toyota Smarthome,
your own .npy/.csv sequences and mmpose 2D predictions.

Library side of ``tools/data/convert_*.py``. Each dataset module parses one
raw file into annotations of the mmaction2 skeleton schema and knows the
dataset's split rules; :mod:`.pipeline` runs the parsing (process pool,
progress bar, ``--skip-bad``) and writes the outputs all-or-nothing.
See ``docs/converters.md``.
"""
from .errors import MalformedInputError
from .pipeline import convert_files, default_num_workers

__all__ = ['MalformedInputError', 'convert_files', 'default_num_workers']
