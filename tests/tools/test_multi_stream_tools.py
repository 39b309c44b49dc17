"""A three-stream linear probe trained and tested through tools/train.py
and tools/test.py: per-stream checkpoints, multi-clip testing, --dump."""
import pickle

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import CheckpointLoader

from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio.annotation import dump_annotation_file
from s2i_mm.registry import MODELS

from s2i_testing import FIXTURES, run_tool

CONFIG = f'{FIXTURES}/configs/tiny_s2i_3stream.py'
STREAMS = ('j', 'm', 'b')


def _mae_checkpoints(tmp_path):
    """One tiny MAE checkpoint per stream, each with other weights."""
    import s2i_mm
    s2i_mm.register_all_modules()
    mae_cfg = Config.fromfile(f'{FIXTURES}/configs/tiny_s2i_mae.py').model
    paths, weights = {}, {}
    for seed, stream in enumerate(STREAMS):
        torch.manual_seed(seed)
        mae = MODELS.build(mae_cfg)
        mae.init_weights()
        paths[stream] = str(tmp_path / f'mae_{stream}.pth')
        weights[stream] = mae.state_dict()
        torch.save({'state_dict': weights[stream]}, paths[stream])
    return paths, weights


@pytest.mark.e2e
def test_train_and_multi_clip_test_through_the_tools(tmp_path):
    ann_file = str(tmp_path / 'synthetic.pkl')
    data = generate(num_per_class=2, seed=0, formats=('ntu25', ))['ntu25']
    dump_annotation_file(data, ann_file)
    checkpoints, mae = _mae_checkpoints(tmp_path)
    options = [f'{loader}_dataloader.dataset.ann_file={ann_file}'
               for loader in ('train', 'val', 'test')] + [
        f'model.streams.{s}.backbone.init_cfg.checkpoint={checkpoints[s]}'
        for s in STREAMS]
    work = tmp_path / 'probe'
    run_tool('tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
             *options)
    state = CheckpointLoader.load_checkpoint(
        str(work / 'epoch_2.pth'), map_location='cpu')['state_dict']
    # every stream is its own checkpoint's encoder, untouched (frozen)
    qkv = 'backbone.layers.0.attn.qkv.weight'
    for stream in STREAMS:
        ours = state[qkv.replace('backbone.', f'backbone.{stream}.')]
        assert torch.equal(ours, mae[stream][qkv]), stream
    assert 'head.weights' in state and 'head.fcs.2.weight' in state

    dump = tmp_path / 'scores.pkl'
    test = run_tool('tools/test.py', CONFIG, work / 'epoch_2.pth',
                    '--work-dir', tmp_path / 'test', '--dump', dump,
                    '--cfg-options', *options)
    assert 'acc/top1' in test.stdout
    with open(dump, 'rb') as f:
        scores = pickle.load(f)
    num_val = len(data['split']['val'])
    assert scores['scores'].shape == (num_val, 14)
    assert sorted(scores['frame_dir']) == sorted(data['split']['val'])
