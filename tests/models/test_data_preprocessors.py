"""Resize on the device: S2IEncode(size=None) + an S2I data preprocessor
gives the model the same batch as S2IEncode(size=(224, 224)) + mmpretrain's
preprocessor, for every person layout, mixed grid widths and multi-clip
samples (CPU tensors stand in for the device; CUDA too when present)."""
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from s2i_mm.registry import MODELS, TRANSFORMS

NORM = dict(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225])
DEVICES = ['cpu'] + (['cuda'] if torch.cuda.is_available() else [])
SIZE = (224, 224)


def sample(fmt='ntu25', joints=25, frames=64, persons=2, num_clips=1,
           seed=0):
    rng = np.random.default_rng(seed)
    kp = rng.standard_normal(
        (persons, frames * num_clips, joints, 3)).astype(np.float32)
    kp[-1, 5:9] = 0  # the last person absent in some frames
    return dict(keypoint=kp, skeleton_format=fmt, num_clips=num_clips,
                gt_label=seed, frame_dir=f'{fmt}_{seed}')


def packed(results, size, persons='side_by_side'):
    """``sample`` through ``S2IEncode(size)`` and ``PackInputs``."""
    results = TRANSFORMS.build(
        dict(type='S2IEncode', size=size, persons=persons))(dict(results))
    return TRANSFORMS.build(dict(type='mmpretrain.PackInputs'))(results)


def preprocessors(kind, device):
    upstream, ours = {
        'cls': ('ClsDataPreprocessor', 'S2IClsDataPreprocessor'),
        'selfsup': ('SelfSupDataPreprocessor', 'S2ISelfSupDataPreprocessor'),
    }[kind]
    return (MODELS.build(dict(type=upstream, **NORM)).to(device),
            MODELS.build(dict(type=ours, size=SIZE, **NORM)).to(device))


def both_ways(samples, kind, device, persons='side_by_side'):
    """The batch the model gets with the resize in the workers and with
    the resize on the device, both mapped back from the normalisation to
    S2I values in [0, 1] (the tolerance applies to those)."""
    upstream, ours = preprocessors(kind, device)
    on_cpu = upstream(pseudo_collate(
        [packed(s, SIZE, persons) for s in samples]))['inputs']
    grids = pseudo_collate([packed(s, None, persons) for s in samples])
    on_device = ours(grids)['inputs']
    if kind == 'selfsup':  # upstream reads a list as views
        on_cpu = torch.stack(on_cpu)
    mean, std = (torch.tensor(NORM[k], device=device).view(3, 1, 1)
                 for k in ('mean', 'std'))
    return on_cpu * std + mean, on_device * std + mean, grids


@pytest.mark.parametrize('device', DEVICES)
@pytest.mark.parametrize('kind', ['cls', 'selfsup'])
@pytest.mark.parametrize('persons', ['side_by_side', 'stacked_time',
                                     'first'])
def test_device_resize_equals_cpu_resize(persons, kind, device):
    samples = [sample(seed=seed) for seed in range(3)]
    on_cpu, on_device, grids = both_ways(samples, kind, device, persons)
    rows, columns = {'side_by_side': (64, 50), 'stacked_time': (128, 25),
                     'first': (64, 25)}[persons]
    assert grids['inputs'][0].shape == (3, rows, columns)
    assert on_device.shape == on_cpu.shape == (3, 3) + SIZE
    assert on_device.dtype == torch.float32
    assert on_device.device.type == device
    torch.testing.assert_close(on_device, on_cpu, rtol=0, atol=1e-5)


@pytest.mark.parametrize('device', DEVICES)
def test_grids_of_different_widths_in_one_batch(device):
    """A mixed-format dataset: ntu25 (50 columns) and kinect20 (40)."""
    samples = [sample(), sample('kinect20', 20, seed=1), sample(seed=2)]
    on_cpu, on_device, grids = both_ways(samples, 'cls', device)
    assert [g.shape[-1] for g in grids['inputs']] == [50, 40, 50]
    assert on_device.shape == (3, 3) + SIZE
    torch.testing.assert_close(on_device, on_cpu, rtol=0, atol=1e-5)
    _, ours = preprocessors('cls', device)
    labels = [s.gt_label.item() for s in ours(grids)['data_samples']]
    assert labels == [0, 1, 2]


@pytest.mark.parametrize('device', DEVICES)
def test_multi_clip_samples(device):
    samples = [sample(num_clips=4, frames=16, seed=seed)
               for seed in range(2)]
    on_cpu, on_device, grids = both_ways(samples, 'cls', device)
    assert grids['inputs'][0].shape == (4, 3, 16, 50)
    assert on_device.shape == on_cpu.shape == (2, 4, 3) + SIZE
    torch.testing.assert_close(on_device, on_cpu, rtol=0, atol=1e-5)


def test_images_of_the_model_size_pass_unchanged():
    upstream, ours = preprocessors('cls', 'cpu')
    batch = pseudo_collate([packed(sample(seed=s), SIZE) for s in range(2)])
    assert torch.equal(ours(batch)['inputs'], upstream(batch)['inputs'])


def test_stacked_batch_from_default_collate():
    from mmengine.dataset import default_collate
    _, ours = preprocessors('selfsup', 'cpu')
    grids = default_collate([packed(sample(seed=s), None) for s in range(2)])
    assert grids['inputs'].shape == (2, 3, 64, 50)
    lists = pseudo_collate([packed(sample(seed=s), None) for s in range(2)])
    torch.testing.assert_close(ours(grids)['inputs'], ours(lists)['inputs'],
                               rtol=0, atol=0)


def test_bad_size():
    with pytest.raises(ValueError, match='size must be'):
        MODELS.build(dict(type='S2IClsDataPreprocessor', size=(0, 224)))
