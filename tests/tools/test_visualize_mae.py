"""tools/analysis/visualize_mae.py on a tiny MAE / DiffMAE and synthetic
skeletons."""
import os

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config

import s2i_mm
from s2i_mm.datasets.synthetic import generate
from s2i_mm.fileio import dump_annotation_file
from s2i_mm.registry import MODELS

from s2i_testing import REPO, load_script, run_tool
from tiny_models import tiny_mae_cfg

TOOL = os.path.join(REPO, 'tools', 'analysis', 'visualize_mae.py')

CONFIG = '''
model = {model!r}
train_dataloader = dict(dataset=dict(
    type='SkeletonDataset', ann_file={ann!r}, split='train',
    cache_dir={cache!r},
    pipeline=[dict(type='UniformSampleFrames', clip_len=16),
              dict(type='PoseDecode'),
              dict(type='S2IEncode', size=(32, 32)),
              dict(type='mmpretrain.PackInputs')]))
'''


DIFFMAE = '''
_base_ = ['./mae_tiny.py']
model = dict(
    type='S2IDiffMAE',
    neck=dict(_delete_=True, type='S2IDiffMAEDecoder', variant='cross',
              num_patches=16, patch_size=8, embed_dim=32,
              decoder_embed_dim=16, decoder_depth=1, decoder_num_heads=2),
    # without norm_pix the noise shows also in constant (absent) patches
    head=dict(norm_pix=False),
    diffusion=dict(num_steps=100))
'''


@pytest.fixture(scope='module')
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp('vis')
    data = generate(2, seed=0, formats=['ntu25'])['ntu25']
    ann = str(root / 'synthetic_ntu25.pkl')
    dump_annotation_file(data, ann)
    config = root / 'mae_tiny.py'
    model = dict(tiny_mae_cfg(mask_ratio=0.75), data_preprocessor=dict(
        type='SelfSupDataPreprocessor', mean=[0.5, 0.5, 0.5],
        std=[0.25, 0.25, 0.25], to_rgb=False))
    config.write_text(CONFIG.format(model=model, ann=ann,
                                    cache=str(root / 'cache')))
    s2i_mm.register_all_modules()
    model = MODELS.build(Config.fromfile(str(config)).model)
    model.init_weights()
    ckpt = root / 'mae_tiny.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    diffmae_config = root / 'diffmae_tiny.py'
    diffmae_config.write_text(DIFFMAE)
    diffmae = MODELS.build(Config.fromfile(str(diffmae_config)).model)
    diffmae.init_weights()
    diffmae_ckpt = root / 'diffmae_tiny.pth'
    torch.save({'state_dict': diffmae.state_dict()}, diffmae_ckpt)
    return root, config, ckpt, diffmae_config, diffmae_ckpt


def run(*args):
    return run_tool(TOOL, *args, check=False)


def test_writes_grid_and_rows_with_temporal_mask(setup):
    root, config, ckpt, *_ = setup
    out = root / 'out'
    proc = run(config, ckpt, '--out-dir', out, '--num-samples', 3,
               '--mask-strategy', 'temporal', '--mask-ratio', 0.5,
               '--scale', 4)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(os.listdir(out)) == [
        'mae_reconstruction.png', 'sample_0.png', 'sample_1.png',
        'sample_2.png'
    ]
    grid = cv2.imread(str(out / 'mae_reconstruction.png'))
    panel = 32 * 4
    width = 4 * panel + 3 * 4
    assert grid.shape == (18 + 3 * panel + 2 * 4, width, 3)
    for i in range(3):
        row = cv2.imread(str(out / f'sample_{i}.png'))
        assert row.shape == (panel, width, 3)
        inp, masked, _, pasted = (
            row[:, k * (panel + 4):k * (panel + 4) + panel]
            for k in range(4))
        grey = (masked == 128).all(axis=2)
        grey_rows = grey.all(axis=1)
        # temporal masking: 2 of 4 patch rows (8 px x scale 4 each)
        assert grey_rows.sum() == 2 * 8 * 4
        assert (grey[~grey_rows].mean() < 0.5)
        # visible rows: the pasted panel shows the input itself
        assert np.array_equal(pasted[~grey_rows], inp[~grey_rows])
        assert not np.array_equal(pasted[grey_rows], inp[grey_rows])


def test_refuses_a_classifier_config(setup, tmp_path, capsys):
    root, config, ckpt, *_ = setup
    bad = tmp_path / 'cls.py'
    bad.write_text(
        "model = dict(type='S2IClassifier', backbone=dict("
        "type='VisionTransformer', arch='deit-tiny', img_size=32, "
        "patch_size=8), head=dict(type='LinearClsHead', num_classes=2, "
        "in_channels=192))\n")
    tool = load_script(TOOL)
    assert tool.main([str(bad), str(ckpt), '--out-dir',
                      str(tmp_path / 'o')]) == 1
    assert 'cannot reconstruct' in capsys.readouterr().err
    assert not (tmp_path / 'o').exists()


def test_diffmae_draws_the_trajectory_and_the_inpainting(setup):
    root, _, _, config, ckpt = setup
    out = root / 'out_diffmae'
    proc = run(config, ckpt, '--out-dir', out, '--num-samples', 2,
               '--sampler', 'ddpm', '--num-steps', 10, '--trajectory', 3,
               '--mask-strategy', 'joint', '--mask-ratio', 0.5, '--scale', 4)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert sorted(os.listdir(out)) == [
        'diffmae_inpainting.png', 'sample_0.png', 'sample_1.png'
    ]
    panel, panels = 32 * 4, 2 + 3 + 1  # input, masked, 3 x_t, inpainting
    grid = cv2.imread(str(out / 'diffmae_inpainting.png'))
    assert grid.shape == (18 + 2 * panel + 4, panels * (panel + 4) - 4, 3)
    for i in range(2):
        row = cv2.imread(str(out / f'sample_{i}.png'))
        inp, masked, *states, inpainting = (
            row[:, k * (panel + 4):k * (panel + 4) + panel]
            for k in range(panels))
        grey_cols = (masked == 128).all(axis=2).all(axis=0)
        # joint masking: 2 of 4 patch columns (8 px x scale 4 each)
        assert grey_cols.sum() == 2 * 8 * 4
        # visible columns are the input in every state and in the result
        for image in [*states, inpainting]:
            assert np.array_equal(image[:, ~grey_cols], inp[:, ~grey_cols])
        assert not np.array_equal(states[0][:, grey_cols],
                                  inp[:, grey_cols])
