"""Where the data files go: the path each converter's documented command
writes, which is the path the shipped configs read, and that command.

:data:`DATA_FILES` is the one table of it; docs/datasets.md, "Where files
go", shows it, and the tools name the command when a config's data file is
missing (:func:`making_command`). Tests check that every config's
``ann_file`` is in the table and that the docs' commands write these paths.
"""
import os.path as osp
from typing import NamedTuple, Optional

__all__ = ['DataFile', 'DATA_FILES', 'making_command']


class DataFile(NamedTuple):
    """One data file the configs read, relative to the repository root.

    Attributes:
        path (str): Where the configs read it (``ann_file``).
        command (str): The command that writes it, from the raw download
            at the path docs/converters.md names.
    """
    path: str
    command: str


_SYNTHETIC = 'python tools/data/make_synthetic.py work_dirs/demo/data'

#: Every data file a shipped config reads, with the command that makes it.
DATA_FILES = (
    DataFile('data/ntu/ntu60_3d.pkl',
             'python tools/data/convert_ntu.py data/nturgbd_raw '
             'data/ntu/ntu60_3d.pkl --benchmark ntu60'),
    DataFile('data/ntu/ntu120_3d.pkl',
             'python tools/data/convert_ntu.py data/nturgbd_raw '
             'data/ntu/ntu120_3d.pkl --benchmark ntu120'),
    DataFile('data/pku_mmd/pku_mmd1.pkl',
             'python tools/data/convert_pku_mmd.py data/pku_raw/v1 '
             'data/pku_mmd/pku_mmd1.pkl'),
    DataFile('data/pku_mmd/pku_mmd2.pkl',
             'python tools/data/convert_pku_mmd.py data/pku_raw/v2 '
             'data/pku_mmd/pku_mmd2.pkl --split-file '
             'xsub=data/pku_raw/v2/cross_subject_v2.txt --split-file '
             'xview=data/pku_raw/v2/cross_view_v2.txt'),
    DataFile('data/nw_ucla/nw_ucla.pkl',
             'python tools/data/convert_nw_ucla.py data/NW-UCLA/all_sqe '
             'data/nw_ucla/nw_ucla.pkl'),
    DataFile('data/msr_action3d/msr_action3d.pkl',
             'python tools/data/convert_msr_action3d.py data/msr '
             'data/msr_action3d/msr_action3d.pkl'),
    DataFile('data/utd_mhad/utd_mhad.pkl',
             'python tools/data/convert_utd_mhad.py data/utd_mhad '
             'data/utd_mhad/utd_mhad.pkl'),
    DataFile('data/toyota/toyota.pkl',
             'python tools/data/convert_toyota.py data/smarthome/skeletonv12 '
             'data/toyota/toyota.pkl'),
) + tuple(
    DataFile(f'work_dirs/demo/data/synthetic_{fmt}.pkl', _SYNTHETIC)
    for fmt in ('ntu25', 'kinect20', 'lcrnet13'))


def making_command(path: str) -> Optional[str]:
    """The command that writes the data file at ``path`` (relative to the
    current folder, or absolute), or None if no converter writes there."""
    path = osp.normpath(osp.abspath(path))
    for entry in DATA_FILES:
        if path == osp.abspath(entry.path):
            return entry.command
    return None
