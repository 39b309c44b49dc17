"""Helpers shared by the tests: run the real tools as subprocesses, or
import a script of the repository as a module."""
import importlib.util
import os
import os.path as osp
import socket
import subprocess
import sys

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
