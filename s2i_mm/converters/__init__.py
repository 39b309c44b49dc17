"""Raw skeleton data -> annotation files: NTU RGB+D, PKU-MMD, NW-UCLA,
MSR-Action3D, UTD-MHAD, Toyota Smarthome, your own .npy/.csv sequences and
mmpose 2D predictions.

Each dataset module parses one raw file and knows the dataset's splits;
:mod:`.pipeline` runs the parsing (process pool, progress, ``--skip-bad``)
and writes the outputs all-or-nothing. No torch. See
``docs/converters.md``.
"""
from .errors import MalformedInputError
from .pipeline import convert_files, default_num_workers
from .writer import write_annotation_file

__all__ = [
    'MalformedInputError', 'convert_files', 'default_num_workers',
    'write_annotation_file'
]
