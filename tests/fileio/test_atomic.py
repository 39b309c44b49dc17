"""All-or-nothing writers: what they leave when killed, and who removes
it; what they may replace."""
import os
import time

import pytest
from skeleton_data import make_data

from s2i_mm.fileio import dump_annotation_file
from s2i_mm.fileio.atomic import atomic_dir, atomic_path
from s2i_mm.fileio.store import STORE_MARKER, write_store
from s2i_mm.fileio.temp_files import (
    STALE_AFTER_S,
    TEMP_PREFIX,
    _writer_id,
    sweep_stale,
    temp_prefix,
)

from s2i_testing import run_python

KILLED_WRITER = '''
import os, signal
from s2i_mm.fileio.atomic import atomic_dir, atomic_path
with {writer}({path!r}) as tmp:
    {fill}
    os.kill(os.getpid(), signal.SIGKILL)
'''


@pytest.mark.parametrize('writer', ['atomic_path', 'atomic_dir'])
def test_a_killed_writer_leaves_a_temp_the_next_writer_removes(tmp_path,
                                                               writer):
    out = tmp_path / 'out'
    fill = ("open(tmp, 'wb').write(b'half')" if writer == 'atomic_path' else
            "open(os.path.join(tmp, 'x'), 'wb').write(b'half')")
    run_python(KILLED_WRITER.format(writer=writer, path=str(out), fill=fill),
               check=False)
    (debris, ) = os.listdir(tmp_path)
    assert debris.startswith(TEMP_PREFIX) and debris.endswith('-out')
    if writer == 'atomic_path':
        dump_annotation_file(make_data(), str(out))
    else:
        write_store(make_data(), str(out))
    assert os.listdir(tmp_path) == ['out']


def _fake_temp(directory, writer, pid, age_s):
    path = directory / f'{TEMP_PREFIX}{writer}-{pid}-r{age_s}-x.pkl'
    path.write_text('')
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_only_stale_temps_are_swept(tmp_path):
    dead = run_python('import os; print(os.getpid())').stdout.strip()
    me = _writer_id()
    live = _fake_temp(tmp_path, me, os.getpid(), 0)
    old_live = _fake_temp(tmp_path, me, os.getpid(), STALE_AFTER_S + 60)
    killed = _fake_temp(tmp_path, me, dead, 0)
    elsewhere = _fake_temp(tmp_path, 'deadbeef', 1, 3600)
    elsewhere_old = _fake_temp(tmp_path, 'deadbeef', 1, STALE_AFTER_S + 60)
    user = tmp_path / '.x.pkl.tmp'  # not ours, whatever its age
    user.write_text('')
    os.utime(user, (0, 0))
    assert sweep_stale(str(tmp_path)) == 3
    assert sorted(os.listdir(tmp_path)) == sorted(
        p.name for p in (live, elsewhere, user))
    assert not any(p.exists() for p in (old_live, killed, elsewhere_old))
    assert temp_prefix().startswith(f'{TEMP_PREFIX}{me}-{os.getpid()}-')


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
