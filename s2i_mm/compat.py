"""Fixes for upstream breakages on the supported stack, applied where they
are needed, not on ``import s2i_mm``: :func:`apply_registry_fixes` (by
``register_all_modules``) and :func:`apply_runner_fixes` (by
``build_runner`` and ``init_recognizer``). Each fix has its upstream link
and a test in ``tests/test_compat.py``; what each changes, and where not:
README.md, "What s2i_mm changes upstream".
"""
import contextlib
import functools
import importlib.util
import os
import os.path as osp
import pickle
import re
import shutil
import sys
import types

import numpy as np
import torch

__all__ = [
    'apply', 'apply_registry_fixes', 'apply_runner_fixes',
    'CHECKPOINT_SAFE_GLOBALS', 'UnsafeCheckpointError',
    'CorruptCheckpointError', 'load_from_local_weights_only'
]

_RUNNER_FIXES_APPLIED = False


# --------------------------------------------------------------------------
# 1. mmaction2 1.2.0 wheel without localizers/drn
# --------------------------------------------------------------------------
def _fix_mmaction_drn() -> None:
    name = 'mmaction.models.localizers.drn'
    if name in sys.modules:
        return
    spec = importlib.util.find_spec('mmaction')
    if spec is None or not spec.submodule_search_locations:
        return
    pkg_dir = spec.submodule_search_locations[0]
    if osp.isdir(osp.join(pkg_dir, 'models', 'localizers', 'drn')):
        return  # a complete install: nothing to do

    class DRN:  # noqa: D401 - placeholder of the missing upstream class
        """Placeholder for mmaction2's DRN localizer (missing from the
        1.2.0 wheel, open-mmlab/mmaction2#2714)."""

        def __init__(self, *args, **kwargs):
            raise ImportError(
                'mmaction2 1.2.0 was installed without '
                'mmaction/models/localizers/drn (open-mmlab/mmaction2#2714); '
                'DRN is unavailable. Install mmaction2 from source to use it.')

    pkg = types.ModuleType(name)
    pkg.__path__ = []  # mark as package
    mod = types.ModuleType(name + '.drn')
    mod.DRN = DRN
    pkg.drn = mod
    sys.modules[name] = pkg
    sys.modules[name + '.drn'] = mod


# --------------------------------------------------------------------------
# 2. weights_only checkpoints with an explicit allowlist
# --------------------------------------------------------------------------
class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a pickled object outside the allowlist."""


class CorruptCheckpointError(ValueError):
    """A file that is no readable PyTorch checkpoint (empty, truncated,
    random bytes, another format)."""


def _numpy_checkpoint_globals() -> list:
    core = np._core if hasattr(np, '_core') else np.core
    items = [core.multiarray._reconstruct, core.multiarray.scalar,
             np.ndarray, np.dtype]
    # the dtype classes numpy pickles with arrays / scalars (numpy>=1.25)
    for dt in ('Float64DType', 'Float32DType', 'Float16DType', 'Int64DType',
               'Int32DType', 'Int16DType', 'Int8DType', 'UInt8DType',
               'BoolDType', 'StrDType'):
        cls = getattr(getattr(np, 'dtypes', None), dt, None)
        if cls is not None:
            items.append(cls)
    return items


def _mmengine_checkpoint_globals() -> list:
    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer
    # HistoryBuffer pickles its statistics methods as
    # getattr(HistoryBuffer, 'mean'); torch's weights-only unpickler still
    # refuses to *call* whatever getattr returns unless it is allowlisted.
    return [HistoryBuffer, ConfigDict, getattr]


#: Types an mmengine checkpoint may hold besides tensors and builtins:
#: ``message_hub`` keeps :class:`~mmengine.logging.HistoryBuffer` objects of
#: numpy arrays and scalars; ``meta`` may keep ``ConfigDict`` values.
CHECKPOINT_SAFE_GLOBALS: list = []


def _fix_checkpoint_loading() -> None:
    if not CHECKPOINT_SAFE_GLOBALS:
        CHECKPOINT_SAFE_GLOBALS.extend(_numpy_checkpoint_globals() +
                                       _mmengine_checkpoint_globals())
    from mmengine.runner.checkpoint import CheckpointLoader

    # mmengine registered its own loader for local paths (prefix ''); a
    # registry offers no hook, so ``force`` replaces it by ours, which
    # differs only in the allowlist and the refusal message
    # (its log line names the backend after ``__name__[10:]``: "local_...")
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_weights_only, force=True)


def load_from_local_weights_only(filename: str, map_location=None):
    """Load a local checkpoint as mmengine's ``load_from_local`` does,
    with :data:`CHECKPOINT_SAFE_GLOBALS` allowed during the call.

    Registered as mmengine's loader for local paths. ``torch.load`` keeps
    its own ``weights_only`` default (True since torch 2.6), so objects
    outside the allowlist are refused.

    Args:
        filename (str): Path of the checkpoint.
        map_location: As in :func:`torch.load`.

    Raises:
        FileNotFoundError: If ``filename`` does not exist.
        UnsafeCheckpointError: If the file holds a disallowed object.
        CorruptCheckpointError: If the file is no readable checkpoint
            (the message names the file and what is wrong with it).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename}: no such checkpoint file')
    if osp.getsize(filename) == 0:
        raise CorruptCheckpointError(
            f'{filename}: empty file (0 bytes), not a checkpoint')
    try:
        # the ones not allowed yet: leaving the context removes what it
        # added, and a user's own add_safe_globals must survive
        allowed = torch.serialization.get_safe_globals()
        with torch.serialization.safe_globals(
                [g for g in CHECKPOINT_SAFE_GLOBALS if g not in allowed]):
            return torch.load(filename, map_location=map_location)
    except pickle.UnpicklingError as err:
        if re.search(r'GLOBAL\s', str(err)):
            raise UnsafeCheckpointError(_refusal(filename,
                                                 str(err))) from None
        # an opcode the weights-only unpickler lacks: random bytes, a
        # plain pickle of another protocol
        raise CorruptCheckpointError(
            f'{filename}: not a PyTorch checkpoint (unreadable as one: '
            f'{_torch_reason(err)})') from None
    except (PermissionError, IsADirectoryError):
        raise
    except OSError as err:  # torch's zip reader on a cut-off archive
        raise CorruptCheckpointError(
            f'{filename}: truncated or corrupt checkpoint '
            f'({_torch_reason(err)})') from None
    except EOFError:
        raise CorruptCheckpointError(
            f'{filename}: truncated checkpoint (the file ends early)'
        ) from None
    # IndexError: the weights-only unpickler popping an empty stack on
    # garbage (26 of 400 random 4 KiB files)
    except (RuntimeError, KeyError, ValueError, UnicodeDecodeError,
            IndexError) as err:
        what = ('truncated or corrupt checkpoint' if 'zip archive' in str(err)
                else 'not a PyTorch checkpoint')
        raise CorruptCheckpointError(
            f'{filename}: {what} ({_torch_reason(err)})') from None


def _torch_reason(err: BaseException) -> str:
    """The most specific line of torch's message about a file it could not
    read (its first line, or the line after "WeightsUnpickler error")."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    for i, line in enumerate(lines[:-1]):
        if line.endswith('WeightsUnpickler error:'):
            return lines[i + 1]
    if isinstance(err, KeyError) or not lines:
        return f'the unpickler stopped with {type(err).__name__}'
    if isinstance(err, OSError) and err.strerror:
        return f'torch could not read it: {err.strerror}'
    return lines[0].split('. ')[0].rstrip('.')


def _refusal(filename: str, message: str) -> str:
    """The refusal of a checkpoint, naming the global torch refused.

    torch words it in several ways ("Unsupported global: GLOBAL
    __main__.X was not an allowed global", "Trying to load unsupported
    GLOBAL posix.system whose module posix is blocked"); every form names
    it after ``GLOBAL``.
    """
    found = re.search(r'GLOBAL\s+([\w.]+)', message)
    blocked = 'blocked' in message
    if found:
        what = f'the global {found.group(1)}'
    else:  # no name: quote torch's most specific line
        lines = [line.strip() for line in message.splitlines()
                 if line.strip() and 'Weights only load failed' not in line]
        what = f'an object torch refused ({lines[0] if lines else message})'
    advice = ('torch blocks that module whatever the allowlist: do not load '
              'this file' if blocked else
              'if you trust the file and that type, allow it with '
              'torch.serialization.add_safe_globals([...])')
    return (f'Refusing to load checkpoint {filename}: it holds {what}, '
            f'outside s2i_mm.compat.CHECKPOINT_SAFE_GLOBALS; nothing in it '
            f'was run. {advice[0].upper()}{advice[1:]}.')


# --------------------------------------------------------------------------
# 3. distributed launchers on CPU-only machines
# --------------------------------------------------------------------------
@contextlib.contextmanager
def _cuda_set_device_disabled():
    original = torch.cuda.set_device
    torch.cuda.set_device = lambda device: None
    try:
        yield
    finally:
        torch.cuda.set_device = original


def _has_accelerator() -> bool:
    from mmengine.device import (
        is_cuda_available,
        is_mlu_available,
        is_musa_available,
        is_npu_available,
    )
    return (is_cuda_available() or is_npu_available() or is_mlu_available()
            or is_musa_available())


def _cpu_capable(init_fn):
    """Wrap an mmengine ``_init_dist_*`` so it works without an
    accelerator; with one, it runs unchanged."""
    if getattr(init_fn, '_s2i_mm_cpu_capable', False):
        return init_fn

    @functools.wraps(init_fn)
    def init(backend, *args, **kwargs):
        if _has_accelerator():  # mmengine's own code works there
            return init_fn(backend, *args, **kwargs)
        if backend == 'nccl':
            backend = 'gloo'
        node_list = os.environ.get('SLURM_NODELIST')
        if (node_list and 'MASTER_ADDR' not in os.environ
                and shutil.which('scontrol') is None):
            # mmengine asks scontrol for the first host; without it take the
            # first entry of a plain (unbracketed) node list.
            os.environ['MASTER_ADDR'] = node_list.split(',')[0].split('[')[0]
        with _cuda_set_device_disabled():
            return init_fn(backend, *args, **kwargs)

    init._s2i_mm_cpu_capable = True
    return init


def _fix_cpu_launchers() -> None:
    import mmengine.dist.utils as dist_utils
    from mmengine.model import MMDistributedDataParallel
    dist_utils._init_dist_pytorch = _cpu_capable(
        dist_utils._init_dist_pytorch)
    dist_utils._init_dist_slurm = _cpu_capable(dist_utils._init_dist_slurm)

    init = MMDistributedDataParallel.__init__
    if getattr(init, '_s2i_mm_cpu_capable', False):
        return

    @functools.wraps(init)
    def ddp_init(self, module, *args, **kwargs):
        devices = {p.device.type for p in module.parameters()}
        if devices == {'cpu'}:  # DDP refuses device ids for CPU modules
            kwargs.pop('device_ids', None)
            kwargs.pop('output_device', None)
        init(self, module, *args, **kwargs)

    ddp_init._s2i_mm_cpu_capable = True
    MMDistributedDataParallel.__init__ = ddp_init


# --------------------------------------------------------------------------
# 4. numpy 2 removed np.Inf
# --------------------------------------------------------------------------
def _fix_numpy_inf() -> None:
    if 'Inf' not in np.__dict__:
        np.Inf = np.inf


def apply_registry_fixes() -> None:
    """Make ``import mmaction.models`` and ``PoseCompact`` work
    (idempotent)."""
    _fix_mmaction_drn()
    _fix_numpy_inf()


def apply_runner_fixes() -> None:
    """Load checkpoints weights-only with the allowlist, and let the
    distributed launchers run without an accelerator (idempotent)."""
    global _RUNNER_FIXES_APPLIED
    if _RUNNER_FIXES_APPLIED:
        return
    _fix_checkpoint_loading()
    _fix_cpu_launchers()
    _RUNNER_FIXES_APPLIED = True


def apply() -> None:
    """Apply every fix (idempotent)."""
    apply_registry_fixes()
    apply_runner_fixes()
