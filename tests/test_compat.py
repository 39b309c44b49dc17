"""Each compat fix: the upstream breakage reproduces without s2i_mm, and
the same operation works (or fails clearly) with it."""
import json
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from s2i_mm import compat

from s2i_testing import free_port, run_python

# Runs WITHOUT importing s2i_mm: which upstream breakages reproduce here.
UPSTREAM_PROBE = r'''
import json, os, pickle, sys, tempfile, numpy as np, torch
out = {}
try:
    import mmaction.models  # noqa
    out['drn'] = 'ok'
except ModuleNotFoundError as e:
    out['drn'] = 'broken: ' + str(e)
from mmengine.logging import HistoryBuffer
path = os.path.join(tempfile.mkdtemp(), 'c.pth')
buf = HistoryBuffer(); buf.update(1.0)
torch.save({'message_hub': {'loss': buf}}, path)
try:
    torch.load(path)
    out['ckpt'] = 'ok'
except pickle.UnpicklingError as e:
    out['ckpt'] = 'broken'
from mmaction.datasets.transforms import PoseCompact
try:
    PoseCompact()(dict(keypoint=np.ones((1, 2, 3, 2), np.float32),
                       img_shape=(10, 10)))
    out['inf'] = 'ok'
except AttributeError:
    out['inf'] = 'broken'
os.environ.update(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                  MASTER_ADDR='127.0.0.1', MASTER_PORT=sys.argv[1])
from mmengine.dist import init_dist
try:
    init_dist('pytorch')
    out['launcher'] = 'ok'
except Exception as e:
    out['launcher'] = 'broken: ' + type(e).__name__
print(json.dumps(out))
'''


@pytest.fixture(scope='module')
def upstream():
    proc = run_python(UPSTREAM_PROBE.replace('sys.argv[1]',
                                             repr(str(free_port()))))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _require_broken(upstream, key):
    if upstream[key] == 'ok':
        pytest.skip(f'upstream no longer has the {key} breakage')


@pytest.mark.e2e
def test_mmaction_models_import(upstream):
    _require_broken(upstream, 'drn')
    assert 'localizers.drn' in upstream['drn']
    import mmaction.models
    assert hasattr(mmaction.models, 'RecognizerGCN')
    from mmaction.models.localizers import DRN
    with pytest.raises(ImportError, match='2714'):
        DRN()


def _checkpoint(tmp_path, extra=None):
    buf = HistoryBuffer()
    buf.update(0.5)
    ckpt = dict(
        meta=dict(epoch=1, seed=np.int64(3)),
        state_dict={'w': torch.arange(3.0)},
        message_hub=dict(log_scalars={'train/loss': buf},
                         runtime_info={'acc': np.float64(0.5),
                                       'hist': np.arange(4)}))
    if extra is not None:
        ckpt['extra'] = extra
    path = tmp_path / 'ckpt.pth'
    torch.save(ckpt, path)
    return str(path)


class NotAllowed:
    pass


@pytest.mark.e2e
def test_weights_only_resume_with_allowlist(upstream, tmp_path):
    _require_broken(upstream, 'ckpt')
    from mmengine.runner.checkpoint import _load_checkpoint
    ckpt = _load_checkpoint(_checkpoint(tmp_path), map_location='cpu')
    assert ckpt['message_hub']['log_scalars']['train/loss'].current() == 0.5
    assert ckpt['message_hub']['runtime_info']['hist'].tolist() == [0, 1, 2,
                                                                     3]


def test_arbitrary_pickled_object_is_refused(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = _checkpoint(tmp_path, extra=NotAllowed())
    with pytest.raises(compat.UnsafeCheckpointError) as err:
        _load_checkpoint(path, map_location='cpu')
    message = str(err.value)
    assert path in message and 'NotAllowed' in message
    assert isinstance(err.value, pickle.UnpicklingError)


class SystemCall:
    def __reduce__(self):
        return (os.system, ('echo payload ran',))


def test_refusal_names_the_offending_global(tmp_path, capfd):
    from mmengine.runner.checkpoint import _load_checkpoint
    path = _checkpoint(tmp_path, extra=SystemCall())
    with pytest.raises(compat.UnsafeCheckpointError) as err:
        _load_checkpoint(path, map_location='cpu')
    assert f'{os.name}.system' in str(err.value)  # posix.system
    assert 'payload ran' not in capfd.readouterr().out


@pytest.mark.e2e
def test_cpu_launchers_use_gloo_and_no_device_ids(upstream):
    if torch.cuda.is_available():
        pytest.skip('CPU-only behaviour')
    _require_broken(upstream, 'launcher')
    code = r'''
import os, json, torch
from s2i_mm.compat import apply_runner_fixes
apply_runner_fixes()  # as build_runner does
from mmengine.dist import init_dist
from mmengine.model import MMDistributedDataParallel
os.environ.update(RANK='0', LOCAL_RANK='0', WORLD_SIZE='1',
                  MASTER_ADDR='127.0.0.1', MASTER_PORT='%s')
init_dist('pytorch')  # mmengine's default backend is nccl
ddp = MMDistributedDataParallel(module=torch.nn.Linear(2, 2), device_ids=[0])
print(json.dumps([torch.distributed.get_backend(), ddp.device_ids]))
''' % free_port()
    backend, device_ids = json.loads(
        run_python(code).stdout.strip().splitlines()[-1])
    assert backend == 'gloo' and device_ids is None


@pytest.mark.e2e
def test_slurm_launcher_on_cpu_without_scontrol():
    if torch.cuda.is_available():
        pytest.skip('CPU-only behaviour')
    code = r'''
import os, torch
from s2i_mm.compat import apply_runner_fixes
apply_runner_fixes()  # as build_runner does
from mmengine.dist import init_dist
os.environ.pop('MASTER_ADDR', None)
init_dist('slurm')
print(torch.distributed.get_backend(), os.environ['MASTER_ADDR'],
      os.environ['RANK'], os.environ['WORLD_SIZE'])
'''
    out = run_python(code, env=dict(
        SLURM_PROCID='0', SLURM_NTASKS='1', SLURM_NODELIST='127.0.0.1',
        SLURM_LOCALID='0', MASTER_PORT=str(free_port()),
        PATH=os.defpath)).stdout.split()
    assert out[-4:] == ['gloo', '127.0.0.1', '0', '1']


def test_with_an_accelerator_mmengine_initialises_as_upstream(monkeypatch):
    """Where CUDA is reported, the wrapped launcher is mmengine's own: it
    asks for the CUDA device (which fails on this GPU-less machine) instead
    of falling back to gloo."""
    if torch.cuda.is_available():
        pytest.skip('needs a machine without CUDA to tell the paths apart')
    import mmengine.dist.utils as dist_utils
    assert dist_utils._init_dist_pytorch._s2i_mm_cpu_capable
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    monkeypatch.setenv('RANK', '0')
    monkeypatch.setenv('LOCAL_RANK', '0')
    with pytest.raises((RuntimeError, AssertionError)):
        dist_utils._init_dist_pytorch('nccl')
    assert not torch.distributed.is_initialized()


def test_other_torch_loads_keep_their_allowlist(tmp_path):
    """Only mmengine's checkpoint loader gets the allowlist: a plain
    weights-only ``torch.load`` refuses mmengine objects as upstream."""
    path = _checkpoint(tmp_path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    with torch.serialization.safe_globals(compat.CHECKPOINT_SAFE_GLOBALS):
        assert torch.load(path, weights_only=True)['meta']['epoch'] == 1


def test_loading_keeps_the_users_allowlist(tmp_path):
    from mmengine.runner.checkpoint import _load_checkpoint
    with torch.serialization.safe_globals([HistoryBuffer]):
        _load_checkpoint(_checkpoint(tmp_path), map_location='cpu')
        assert HistoryBuffer in torch.serialization.get_safe_globals()


def test_bf16_autocast_optim_wrapper_trains():
    from s2i_mm.engine import BF16AutocastOptimWrapper
    model = torch.nn.Linear(4, 2)
    wrapper = BF16AutocastOptimWrapper(
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1))
    before = model.weight.detach().clone()
    with wrapper.optim_context(model):
        out = model(torch.ones(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().pow(2).mean())
    assert model.weight.dtype == torch.float32
    assert not torch.equal(before, model.weight)


@pytest.mark.e2e
def test_pose_compact_under_numpy2(upstream):
    _require_broken(upstream, 'inf')
    from mmaction.datasets.transforms import PoseCompact
    kp = np.zeros((1, 2, 3, 2), np.float32)
    kp[..., 0] = [[[2, 4, 6]] * 2]
    kp[..., 1] = [[[3, 5, 7]] * 2]
    out = PoseCompact(padding=0, threshold=1)(
        dict(keypoint=kp, img_shape=(10, 10)))
    assert out['img_shape'] == (4, 4)


@pytest.mark.e2e
def test_importing_s2i_mm_applies_nothing_and_loads_no_torch():
    """The fixes apply where they are needed: registering modules, building
    a runner or a recognizer; a converter that imports s2i_mm pays for
    neither torch nor them."""
    code = r'''
import json, sys
import s2i_mm, s2i_mm.converters, s2i_mm.fileio, s2i_mm.formats
import s2i_mm.datasets.synthetic, s2i_mm.datasets.preprocess
light = 'torch' not in sys.modules
from mmengine.runner.checkpoint import CheckpointLoader
before = CheckpointLoader._schemes['']
s2i_mm.register_all_modules(init_default_scope=False)
import mmaction.models  # the drn fix, applied by registering
registered = CheckpointLoader._schemes[''] is before
from mmengine.config import Config
from s2i_mm.utils.tool_args import build_runner
cfg = Config.fromfile(sys.argv[1])
cfg.work_dir = sys.argv[2]
cfg.train_dataloader = None  # a test-only runner
build_runner(cfg)
from s2i_mm.compat import load_from_local_weights_only
built = CheckpointLoader._schemes[''] is load_from_local_weights_only
print(json.dumps([light, registered, built]))
'''
    import sys
    import tempfile

    from s2i_testing import FIXTURES, run_cmd
    with tempfile.TemporaryDirectory() as work:
        out = run_cmd([sys.executable, '-c', code,
                       f'{FIXTURES}/configs/tiny_s2i_classifier.py', work])
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        True, True, True]
