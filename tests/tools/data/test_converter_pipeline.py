import contextlib
import io
import os
import pickle
import signal
import sys
import time

import numpy as np
import pytest
from raw_files import random_motion, write_ntu_skeleton
from rich.console import Console

from s2i_mm.converters import MalformedInputError, pipeline
from s2i_mm.converters.bodies import motion_energy, select_bodies
from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.fileio.store import SkeletonStore

from s2i_testing import REPO, run_cmd, run_python, start_cmd


def sample(name, label=0, frames=3):
    keypoint = np.arange(frames * 75, dtype=np.float32).reshape(1, frames,
                                                                25, 3)
    return {'frame_dir': name, 'label': label, 'total_frames': frames,
            'keypoint': keypoint}


def test_error_message_and_pickling():
    err = MalformedInputError('/d/x.skeleton', 'bad thing', 7)
    assert str(err) == '/d/x.skeleton:7: bad thing'
    back = pickle.loads(pickle.dumps(err))
    assert (back.path, back.line, str(back)) == (err.path, 7, str(err))
    assert isinstance(err, SkeletonDataError)


def test_motion_energy_ignores_absent_frames():
    body = np.zeros((4, 25, 3), np.float32)
    body[2:] = 1.0  # appears late but never moves
    assert motion_energy(body) == 0.0
    body[3] = 2.0
    assert motion_energy(body) == pytest.approx(1.5)
    bodies = np.stack([body, np.zeros_like(body), body * 3])
    kept = select_bodies(bodies, 2)
    np.testing.assert_array_equal(kept, bodies[[2, 0]])
    assert select_bodies(np.zeros((2, 4, 25, 3)), 2).shape[0] == 0


def test_assemble_rejects_duplicates_and_unknown_members():
    with pytest.raises(SkeletonDataError, match='duplicate'):
        pipeline.assemble([sample('a'), sample('a')], {}, 'ntu25')
    with pytest.raises(SkeletonDataError,
                       match="split 'x_train' names unknown"):
        pipeline.assemble([sample('a')], {'x_train': ['b']}, 'ntu25')


def test_failed_store_leaves_neither_output(tmp_path, monkeypatch):
    import s2i_mm.fileio.store as store

    def broken_fill(path, *args):
        with open(os.path.join(path, 'keypoint.npy'), 'wb') as f:
            f.write(b'partial')
        raise OSError('disk full')

    monkeypatch.setattr(store, '_fill_store', broken_fill)
    data = pipeline.assemble([sample('a')], {'t': ['a']}, 'ntu25')
    with pytest.raises(OSError, match='disk full'):
        pipeline.write_outputs(data, str(tmp_path / 'a.pkl'),
                               str(tmp_path / 'store'))
    assert os.listdir(tmp_path) == []


def test_nothing_to_write(tmp_path):
    def always_bad(item):
        raise MalformedInputError(item, 'bad')

    with pytest.raises(SkeletonDataError, match='nothing to write'):
        pipeline.convert_files(always_bad, ['f1', 'f2'], lambda a: {},
                               str(tmp_path / 'o.pkl'), 'ntu25',
                               skip_bad=True)
    assert os.listdir(tmp_path) == []


def test_first_bad_file_stops_parsing_and_skipped_ones_are_reported():
    """A bad file ends the run when it is reached, not after every input
    was parsed; with ``skip_bad`` each skipped file gets its own line."""
    parsed = []

    def bad_at_1(item):
        parsed.append(item)
        if item in ('f1', 'f3'):
            raise MalformedInputError(item, 'garbled', line=2)
        return [sample(item)]

    with pytest.raises(MalformedInputError, match='f1:2'):
        pipeline.parse_inputs(bad_at_1, ['f0', 'f1', 'f2', 'f3'])
    assert parsed == ['f0', 'f1']
    out = io.StringIO()
    kept, bad = pipeline.parse_inputs(
        bad_at_1, ['f0', 'f1', 'f2', 'f3'], skip_bad=True,
        console=Console(file=out, width=200))
    assert [a['frame_dir'] for a in kept] == ['f0', 'f2']
    assert [e.path for e in bad] == ['f1', 'f3']
    lines = [line for line in out.getvalue().splitlines()
             if 'skipped bad file' in line]
    assert len(lines) == 2 and 'f1:2' in lines[0] and 'f3:2' in lines[1]


# --------------------------------------------------------------------------
# issue 10: what a converter may replace, interruption, early checks
# --------------------------------------------------------------------------
NTU_TOOL = os.path.join(REPO, 'tools', 'data', 'convert_ntu.py')


def ntu_inputs(directory, count=3, seed=0):
    """``count`` one-body NTU files in ``directory``; returns their paths."""
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = directory / f'S001C001P001R001A{i + 1:03d}.skeleton'
        write_ntu_skeleton(str(path), [[b] for b in random_motion(rng, 3,
                                                                  25)])
        paths.append(str(path))
    return paths


def one_error_line(proc):
    """The run failed with exactly one ``error:`` line and no traceback."""
    assert proc.returncode != 0
    assert 'Traceback' not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('error:')]
    assert len(errors) == 1, proc.stderr
    return errors[0]


@pytest.mark.e2e
def test_store_option_never_replaces_a_folder_it_did_not_write(tmp_path):
    raw = tmp_path / 'raw'
    ntu_inputs(raw)
    before = sorted(os.listdir(raw))
    out = tmp_path / 'out.pkl'
    proc = run_cmd([sys.executable, NTU_TOOL, str(raw), str(out), '--store',
                    str(raw), '--num-workers', '1'], check=False)
    assert sorted(os.listdir(raw)) == before  # the user's files are there
    line = one_error_line(proc)
    assert str(raw) in line and 'not a store' in line
    assert not out.exists()
    # a store the converter wrote is replaced by the next run ...
    store = tmp_path / 'store'
    for _ in range(2):
        run_cmd([sys.executable, NTU_TOOL, str(raw), str(out), '--store',
                 str(store), '--num-workers', '1'])
        assert len(SkeletonStore(str(store))) == 3
    # ... unless it holds anything else
    (store / 'notes.txt').write_text('mine')
    proc = run_cmd([sys.executable, NTU_TOOL, str(raw), str(out), '--store',
                    str(store), '--num-workers', '1'], check=False)
    assert 'notes.txt' in one_error_line(proc)
    assert (store / 'notes.txt').read_text() == 'mine'


@pytest.mark.e2e
def test_outputs_are_checked_before_parsing(tmp_path):
    """A bad output is refused at once: the first input is a FIFO that
    nobody writes, so a run that started parsing would hang."""
    raw = tmp_path / 'raw'
    ntu_inputs(raw)
    os.mkfifo(raw / 'S001C001P000R001A001.skeleton')
    a_file = tmp_path / 'a_file'
    a_file.write_text('')
    folder = tmp_path / 'folder'
    folder.mkdir()
    cases = {
        'output is a folder': ([str(folder)], 'is a directory'),
        'unwritable output': ([str(a_file / 'out.pkl')], 'a_file'),
        'unwritable store': ([str(tmp_path / 'o.pkl'), '--store',
                              str(a_file / 'store')], 'a_file'),
        'store is an input': ([str(tmp_path / 'o.pkl'), '--store',
                               str(raw)], 'not a store'),
    }
    for args, message in cases.values():
        proc = run_cmd([sys.executable, NTU_TOOL, str(raw), *args,
                        '--num-workers', '1'], check=False, timeout=240)
        assert message in one_error_line(proc)
    assert sorted(os.listdir(tmp_path)) == ['a_file', 'folder', 'raw']


def test_samples_without_a_body_are_never_written(tmp_path):
    """Whatever a parser returns passes the dataset's own checks, or its
    input is a bad file (named, and skipped with ``skip_bad``)."""

    def no_body(item):
        return [dict(sample(item), keypoint=np.zeros((0, 3, 25, 3),
                                                     np.float32))]

    with pytest.raises(MalformedInputError) as info:
        pipeline.convert_files(no_body, ['f1'], lambda a: {},
                               str(tmp_path / 'o.pkl'), 'ntu25')
    assert info.value.path == 'f1' and 'no body' in str(info.value)
    assert os.listdir(tmp_path) == []


def _children(pid):
    """Live (not zombie) processes started by ``pid``'s main thread."""
    try:
        with open(f'/proc/{pid}/task/{pid}/children') as f:
            return [int(c) for c in f.read().split() if _alive(int(c))]
    except OSError:
        return []


def _alive(pid):
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


@pytest.mark.e2e
@pytest.mark.skipif(not sys.platform.startswith('linux'),
                    reason='reads /proc')
@pytest.mark.parametrize('signum', [signal.SIGKILL, signal.SIGTERM])
def test_pool_workers_die_with_the_converter(tmp_path, signum):
    raw = tmp_path / 'raw'
    ntu_inputs(raw, count=4)
    # a worker blocks on this FIFO: the run is parsing when it is signalled
    os.mkfifo(raw / 'S001C001P000R001A001.skeleton')
    out_dir = tmp_path / 'out'
    out_dir.mkdir()
    proc = start_cmd([sys.executable, NTU_TOOL, str(raw),
                      str(out_dir / 'o.pkl'), '--num-workers', '2'])
    workers = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert len(workers) == 2, 'the pool did not start'
        os.kill(proc.pid, signum)
        proc.wait(timeout=60)
        deadline = time.monotonic() + 20
        while any(map(_alive, workers)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(map(_alive, workers)), 'workers outlived the parent'
        assert proc.returncode != 0
        assert os.listdir(out_dir) == []
    finally:
        for pid in [proc.pid] + workers:  # only what this test started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.communicate()


_KILLED_WORKER = """
import os, signal
from s2i_mm.converters.pipeline import parse_inputs
def oom_killed_at_3(item):
    if item == 3:  # as the OOM killer ends a worker
        os.kill(os.getpid(), signal.SIGKILL)
    return []
try:
    parse_inputs(oom_killed_at_3, list(range(8)), num_workers=2)
except Exception as err:
    print('stopped by', type(err).__name__)
"""


@pytest.mark.e2e
def test_a_killed_worker_stops_the_run_instead_of_hanging_it():
    """A worker killed from outside ends the run with an error (a
    ``multiprocessing.Pool``, as mmengine's progress helpers use, would
    wait for its task for ever; see the pipeline's module docstring)."""
    proc = run_python(_KILLED_WORKER, timeout=60)
    assert 'stopped by BrokenProcessPool' in proc.stdout
