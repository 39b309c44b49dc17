"""All-or-nothing writers: what they leave when killed, and who removes
it; what they may replace."""
import os
import time

import pytest
from skeleton_data import make_data

from s2i_mm.fileio import dump_annotation_file
from s2i_mm.fileio.atomic import atomic_dir, atomic_path
from s2i_mm.fileio.store import STORE_MARKER, write_store
from s2i_mm.fileio.temp_files import STALE_AFTER_S, TEMP_PREFIX, sweep_stale

from s2i_testing import run_python

KILLED_WRITER = '''
import os, signal
from s2i_mm.fileio.atomic import atomic_dir, atomic_path
with {writer}({path!r}) as tmp:
    {fill}
    os.kill(os.getpid(), signal.SIGKILL)
'''


def _age(path, age_s):
    """Set the modification time of ``path`` (and of its direct entries)
    ``age_s`` seconds back."""
    stamp = time.time() - age_s
    for entry in [path, *(path.iterdir() if path.is_dir() else ())]:
        os.utime(entry, (stamp, stamp))
    return path


@pytest.mark.e2e
@pytest.mark.parametrize('writer', ['atomic_path', 'atomic_dir'])
def test_a_killed_writer_leaves_a_temp_the_next_writer_removes_once_stale(
        tmp_path, writer):
    out = tmp_path / 'out'
    fill = ("open(tmp, 'wb').write(b'half')" if writer == 'atomic_path' else
            "open(os.path.join(tmp, 'x'), 'wb').write(b'half')")
    run_python(KILLED_WRITER.format(writer=writer, path=str(out), fill=fill),
               check=False)
    (debris, ) = os.listdir(tmp_path)
    assert debris.startswith(TEMP_PREFIX) and debris.endswith('-out')

    def write(name):
        if writer == 'atomic_path':
            dump_annotation_file(make_data(), str(tmp_path / name))
        else:
            write_store(make_data(), str(tmp_path / name))

    write('out')  # young: it could be a live writer's, so it stays
    assert sorted(os.listdir(tmp_path)) == sorted([debris, 'out'])
    _age(tmp_path / debris, STALE_AFTER_S + 60)
    write('out2')
    assert sorted(os.listdir(tmp_path)) == ['out', 'out2']


def test_temps_are_swept_by_age_alone(tmp_path):
    def temp(name, age_s, folder=False):
        path = tmp_path / f'{TEMP_PREFIX}{name}'
        if folder:
            path.mkdir()
            (path / 'keypoint.npy').write_text('')
        else:
            path.write_text('')
        return _age(path, age_s)

    young = temp('young-x.pkl', STALE_AFTER_S - 60)
    old = temp('old-x.pkl', STALE_AFTER_S + 60)
    old_dir = temp('old-store', STALE_AFTER_S + 60, folder=True)
    filling = temp('filling-store', STALE_AFTER_S + 60, folder=True)
    os.utime(filling / 'keypoint.npy')  # its file changed just now
    user = tmp_path / '.x.pkl.tmp'  # not ours, whatever its age
    user.write_text('')
    os.utime(user, (0, 0))
    assert sweep_stale(str(tmp_path)) == 2
    assert sorted(os.listdir(tmp_path)) == sorted(
        p.name for p in (young, filling, user))
    assert not old.exists() and not old_dir.exists()


@pytest.mark.parametrize('writer', [atomic_path, atomic_dir])
def test_a_live_writers_temp_survives_another_writer_in_its_directory(
        tmp_path, writer):
    with writer(str(tmp_path / 'slow')) as tmp:
        if writer is atomic_dir:
            # a store being filled: its files change, the folder does not
            (tmp_path / tmp / 'keypoint.npy').write_text('half')
            os.utime(tmp, (0, 0))
        dump_annotation_file(make_data(), str(tmp_path / 'quick.pkl'))
        assert os.path.exists(tmp)
    assert sorted(os.listdir(tmp_path)) == ['quick.pkl', 'slow']


def test_atomic_dir_replaces_only_what_it_may(tmp_path):
    target = tmp_path / 'd'
    target.mkdir()  # empty: replaced
    with atomic_dir(str(target)) as tmp:
        open(os.path.join(tmp, 'a'), 'w').close()
    assert os.listdir(target) == ['a']
    with pytest.raises(FileExistsError, match='not replacing'):
        with atomic_dir(str(target)):
            pass
    with atomic_dir(str(target), may_replace=lambda p: True) as tmp:
        open(os.path.join(tmp, 'b'), 'w').close()
    assert os.listdir(target) == ['b']
    with pytest.raises(FileExistsError):
        with atomic_dir(str(target), may_replace=lambda p: False):
            pass
    assert os.listdir(target) == ['b']
    assert sorted(os.listdir(tmp_path)) == ['d']  # no temporary left


def test_failure_and_exit_remove_the_temp(tmp_path):
    for error in (OSError('disk full'), KeyboardInterrupt(),
                  SystemExit(143)):
        with pytest.raises(type(error)):
            with atomic_path(str(tmp_path / 'f')) as tmp:
                open(tmp, 'w').write('half')
                raise error
        with pytest.raises(type(error)):
            with atomic_dir(str(tmp_path / 'd')) as tmp:
                open(os.path.join(tmp, 'x'), 'w').write('half')
                raise error
    assert os.listdir(tmp_path) == []


def test_store_marker_decides_what_write_store_replaces(tmp_path):
    store = tmp_path / 'store'
    write_store(make_data(), str(store))
    assert (store / STORE_MARKER).is_file()
    write_store(make_data(num_per_class=2), str(store), overwrite=True)
    (store / STORE_MARKER).unlink()  # e.g. a store of an older s2i_mm
    with pytest.raises(FileExistsError, match='no .s2i_store marker'):
        write_store(make_data(), str(store), overwrite=True)
    assert (store / 'meta.json').is_file()
