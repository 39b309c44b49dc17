"""File names made from sample names stay in their folder, are distinct
and recognisable (tools/visualize_s2i.py's PNGs; the tool itself in
tests/visualization/test_s2i_figure.py)."""
import os

from s2i_mm.fileio import sample_file_name

NAMES = ['S001C001P001R001A001', 'a01_s01_e01_v01', '../../escaped',
         '/abs/escaped', 'a/b', 'a_b', '..', '.', '', 'a\x00b', 'x' * 1000,
         'x' * 1001, '.bashrc', 'a b\tc\n', 'ünï/cödé', 'C:\\x', '-',
         'a_b-3ec69c85', '\udcff']


def test_every_name_gives_a_plain_distinct_file_in_the_folder(tmp_path):
    files = [sample_file_name(name, '_s2i.png') for name in NAMES]
    assert len(set(files)) == len(NAMES)
    for file in files:
        assert file.endswith('_s2i.png')
        assert os.sep not in file and '\x00' not in file
        assert not file.startswith('.') and file not in ('.', '..')
        assert len(file.encode()) <= 255
        path = tmp_path / file
        path.write_bytes(b'x')  # a file the system accepts, right here
        assert path.parent == tmp_path
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)


def test_safe_names_are_kept_others_stay_recognisable():
    assert sample_file_name('S001C001P001R001A001', '.png') == (
        'S001C001P001R001A001.png')
    assert sample_file_name('a_b', '.png') == 'a_b.png'
    assert sample_file_name('a/b', '.png').startswith('a_b-')
    assert sample_file_name('../../escaped', '.png').startswith(
        '_._.._escaped-')
    # the same name, the same file (a rerun overwrites, not adds)
    assert sample_file_name('a/b', '.png') == sample_file_name('a/b', '.png')
