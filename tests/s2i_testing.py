"""Helpers shared by the tests: run the real tools in this process
(:func:`run_tool`) or, where the process boundary is what a test proves,
as subprocesses (:func:`run_cmd`)."""
import contextlib
import importlib.util
import io
import os
import os.path as osp
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from unittest import mock

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
FIXTURES = osp.join(REPO, 'tests', 'fixtures')


def load_script(path: str):
    """Import the script at ``path`` (relative to the repository root, or
    absolute) as a module, to call its functions."""
    path = osp.join(REPO, path)
    name = osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_SCRIPTS = {}
_last_start = [None]


@dataclass
class ToolRun:
    """What a tool run left: its exit status and what it printed."""
    returncode: int
    stdout: str
    stderr: str


def _distinct_second():
    """mmengine names a run's logger, scope and message hub after the
    second it started in; two runs in one second would share them."""
    while time.strftime('%Y%m%d_%H%M%S') == _last_start[0]:
        time.sleep(0.05)
    _last_start[0] = time.strftime('%Y%m%d_%H%M%S')


def run_tool(script, *argv, env=None, check=True, cwd=None):
    """Run ``script``'s ``main(argv)`` in this process, as its command line
    would: from the repository root (or ``cwd``), ``env`` added to the
    environment,
    stdout and stderr captured, ``SystemExit`` turned into the exit status
    (an exception other than ``SystemExit`` propagates).

    Args:
        script (str): The tool's path from the repository root.
        *argv: Its command-line arguments (converted to ``str``).
        env (dict, optional): Environment variables set during the run.
        check (bool): Raise ``AssertionError`` (with the output) if the
            tool exits non-zero.
        cwd (str, optional): The folder to run in instead of the
            repository root.

    Returns:
        ToolRun: ``returncode``, ``stdout``, ``stderr``.
    """
    if script not in _SCRIPTS:
        _SCRIPTS[script] = load_script(script)
    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    threads = sys.modules['torch'].get_num_threads() \
        if 'torch' in sys.modules else None
    _distinct_second()
    with mock.patch.dict(os.environ, env or {}), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        os.chdir(cwd or REPO)
        try:
            status = _SCRIPTS[script].main([str(a) for a in argv])
            code = status if isinstance(status, int) else 0
        except SystemExit as exit:
            code = exit.code
            if isinstance(code, str):
                print(code, file=sys.stderr)
                code = 1
            code = code or 0
        finally:
            os.chdir(before)
            if threads:  # a tool may set its own thread count
                sys.modules['torch'].set_num_threads(threads)
    run = ToolRun(code, out.getvalue(), err.getvalue())
    if check and code != 0:
        raise AssertionError(
            f'{script} {argv} exited {code}\n--- stdout ---\n'
            f'{run.stdout[-4000:]}\n--- stderr ---\n{run.stderr[-6000:]}')
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def _env(env=None):
    full_env = dict(os.environ)
    full_env['PYTHONPATH'] = os.pathsep.join(
        [FIXTURES, REPO, full_env.get('PYTHONPATH', '')])
    full_env.update(env or {})
    return full_env


def run_cmd(cmd, env=None, timeout=300, check=True):
    """Run ``cmd`` from the repo root with the fixtures on PYTHONPATH."""
    proc = subprocess.run(
        cmd, cwd=REPO, env=_env(env), capture_output=True, text=True,
        timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{cmd} exited {proc.returncode}\n--- stdout ---\n'
            f'{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-6000:]}')
    return proc


def run_python(code, **kwargs):
    return run_cmd([sys.executable, '-c', code], **kwargs)


def start_cmd(cmd, env=None):
    """Start ``cmd`` like :func:`run_cmd` without waiting for it (for tests
    that signal a running tool); returns the ``subprocess.Popen``."""
    return subprocess.Popen(
        cmd, cwd=REPO, env=_env(env), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)


def run_cmds(cmds, env=None, timeout=600, jobs=None):
    """Run independent commands of one test at once, at most ``jobs``
    (default: the CPU count) at a time, each as :func:`run_cmd` would but
    unchecked; returns their ``subprocess.CompletedProcess`` in order."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(
            lambda cmd: run_cmd(cmd, env=env, timeout=timeout, check=False),
            cmds))
