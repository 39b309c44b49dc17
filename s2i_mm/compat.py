"""Fixes for upstream breakages on the supported stack, in one place.

Stack: torch>=2.6, numpy 2, mmengine 0.10.7, mmcv-lite 2.1, mmpretrain 1.2.0,
mmaction2 1.2.0. Each fix is small, idempotent, documented with its upstream
link, and tested in ``tests/test_compat.py`` by a test that fails without it.
:func:`apply` runs when :mod:`s2i_mm` is imported.

1. ``import mmaction.models`` fails: the 1.2.0 wheel lacks
   ``mmaction/models/localizers/drn``
   (https://github.com/open-mmlab/mmaction2/issues/2714). We install a
   placeholder module whose ``DRN`` raises a clear error if anyone builds it.
2. Resume fails on torch>=2.6: ``torch.load`` defaults to
   ``weights_only=True`` and mmengine checkpoints hold mmengine/numpy objects
   (https://github.com/open-mmlab/mmengine/issues/1655). mmengine's loader
   for local paths is replaced by one that calls ``torch.load`` as it does,
   with exactly :data:`CHECKPOINT_SAFE_GLOBALS` allowed during that call
   only; any other pickled object is refused with
   :class:`UnsafeCheckpointError`. Other ``torch.load`` calls and other
   checkpoint schemes (``http://``...) are left as they are.
3. ``--launcher pytorch|slurm`` on a machine without an accelerator:
   mmengine calls ``torch.cuda.set_device`` and uses nccl. Only when no
   CUDA / NPU / MLU / MUSA device exists do we initialise with gloo (and,
   without ``scontrol``, take slurm's first host as ``MASTER_ADDR``).
   mmengine's DDP wrapper passes ``device_ids``, which DDP refuses for a
   module on the CPU: only for such a module are they dropped.
4. ``AmpOptimWrapper`` asserts a GPU: on CPU it now stops with one clear
   sentence; ``--amp`` on CPU uses
   :class:`~s2i_mm.engine.BF16AutocastOptimWrapper` instead (bf16
   autocast). mmaction2's ``PoseCompact``/``PoseCompactTwoStage`` use
   ``np.Inf``, removed in numpy 2
   (https://numpy.org/devdocs/numpy_2_0_migration_guide.html); we restore
   the alias ``np.Inf = np.inf``.
"""
import contextlib
import functools
import importlib.util
import os
import os.path as osp
import pickle
import shutil
import sys
import types

import numpy as np
import torch

__all__ = [
    'apply', 'CHECKPOINT_SAFE_GLOBALS', 'UnsafeCheckpointError',
    'load_checkpoint_weights_only'
]

_APPLIED = False


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
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_checkpoint_weights_only, force=True)


def load_checkpoint_weights_only(filename: str, map_location=None):
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
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        # the ones not allowed yet: leaving the context removes what it
        # added, and a user's own add_safe_globals must survive
        allowed = torch.serialization.get_safe_globals()
        with torch.serialization.safe_globals(
                [g for g in CHECKPOINT_SAFE_GLOBALS if g not in allowed]):
            return torch.load(filename, map_location=map_location)
    except pickle.UnpicklingError as err:
        detail = str(err).split('WeightsUnpickler error:')[-1].strip()
        detail = detail.splitlines()[0] if detail else repr(err)
        raise UnsafeCheckpointError(
            f'Refusing to load checkpoint {filename}: it holds a pickled '
            f'object outside s2i_mm.compat.CHECKPOINT_SAFE_GLOBALS '
            f'({detail}). If you trust the file, allow the type with '
            'torch.serialization.add_safe_globals([...]).') from None


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
# 4. AMP without a GPU, and numpy 2's removed np.Inf
# --------------------------------------------------------------------------
def _fix_amp_on_cpu() -> None:
    from mmengine.optim import AmpOptimWrapper
    init = AmpOptimWrapper.__init__
    if getattr(init, '_s2i_mm_cpu_capable', False):
        return

    @functools.wraps(init)
    def amp_init(self, *args, **kwargs):
        if not _has_accelerator():
            raise RuntimeError(
                'AmpOptimWrapper needs a GPU (CUDA, NPU, MLU or MUSA) and '
                'none is available; on CPU pass --amp to tools/train.py, '
                'which uses bf16 autocast (BF16AutocastOptimWrapper), or '
                'remove AmpOptimWrapper from the config.')
        init(self, *args, **kwargs)

    amp_init._s2i_mm_cpu_capable = True
    AmpOptimWrapper.__init__ = amp_init


def _fix_numpy_inf() -> None:
    if 'Inf' not in np.__dict__:
        np.Inf = np.inf


def apply() -> None:
    """Apply every fix once (idempotent)."""
    global _APPLIED
    if _APPLIED:
        return
    _fix_mmaction_drn()
    _fix_numpy_inf()
    _fix_checkpoint_loading()
    _fix_cpu_launchers()
    _fix_amp_on_cpu()
    _APPLIED = True
