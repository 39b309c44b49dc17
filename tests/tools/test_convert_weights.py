"""tools/convert_weights.py: official MAE / timm ViT -> mmpretrain names.

Source state dicts are built with the published key layout and shapes and
filled with distinct random values, so a tensor placed under the wrong name
is caught even when shapes agree (e.g. norm1 vs norm2).
"""
import argparse
import os

import pytest
import torch
from mmengine.runner import load_checkpoint
from mmpretrain.models.utils import resize_pos_embed

import s2i_mm
from s2i_mm.models.utils import convert_vit_state_dict, load_source_state_dict
from s2i_mm.registry import MODELS

from s2i_testing import REPO
from s2i_testing import run_tool as run_script

TOOL = os.path.join(REPO, 'tools', 'convert_weights.py')

# official name inside a block -> mmpretrain name inside a layer, written
# out by hand from the two models' state dicts (independent of the tool)
BLOCK_NAMES = {
    'norm1.weight': 'ln1.weight',
    'norm1.bias': 'ln1.bias',
    'attn.qkv.weight': 'attn.qkv.weight',
    'attn.qkv.bias': 'attn.qkv.bias',
    'attn.proj.weight': 'attn.proj.weight',
    'attn.proj.bias': 'attn.proj.bias',
    'norm2.weight': 'ln2.weight',
    'norm2.bias': 'ln2.bias',
    'mlp.fc1.weight': 'ffn.layers.0.0.weight',
    'mlp.fc1.bias': 'ffn.layers.0.0.bias',
    'mlp.fc2.weight': 'ffn.layers.1.weight',
    'mlp.fc2.bias': 'ffn.layers.1.bias',
}
TOP_NAMES = {
    'cls_token': 'backbone.cls_token',
    'pos_embed': 'backbone.pos_embed',
    'patch_embed.proj.weight': 'backbone.patch_embed.projection.weight',
    'patch_embed.proj.bias': 'backbone.patch_embed.projection.bias',
    'norm.weight': 'backbone.ln1.weight',
    'norm.bias': 'backbone.ln1.bias',
    'mask_token': 'neck.mask_token',
    'decoder_pos_embed': 'neck.decoder_pos_embed',
    'decoder_embed.weight': 'neck.decoder_embed.weight',
    'decoder_embed.bias': 'neck.decoder_embed.bias',
    'decoder_norm.weight': 'neck.ln1.weight',
    'decoder_norm.bias': 'neck.ln1.bias',
    'decoder_pred.weight': 'neck.decoder_pred.weight',
    'decoder_pred.bias': 'neck.decoder_pred.bias',
}


def _block(prefix, width):
    return {
        f'{prefix}norm1.weight': (width, ),
        f'{prefix}norm1.bias': (width, ),
        f'{prefix}attn.qkv.weight': (3 * width, width),
        f'{prefix}attn.qkv.bias': (3 * width, ),
        f'{prefix}attn.proj.weight': (width, width),
        f'{prefix}attn.proj.bias': (width, ),
        f'{prefix}norm2.weight': (width, ),
        f'{prefix}norm2.bias': (width, ),
        f'{prefix}mlp.fc1.weight': (4 * width, width),
        f'{prefix}mlp.fc1.bias': (4 * width, ),
        f'{prefix}mlp.fc2.weight': (width, 4 * width),
        f'{prefix}mlp.fc2.bias': (width, ),
    }


def official_mae_shapes(depth=12, width=768, dec_depth=8, dec_width=512,
                        patch=16, grid=14, decoder=True):
    """Key -> shape of facebookresearch/mae's ``MaskedAutoencoderViT``."""
    tokens = grid * grid + 1
    shapes = {
        'cls_token': (1, 1, width),
        'pos_embed': (1, tokens, width),
        'patch_embed.proj.weight': (width, 3, patch, patch),
        'patch_embed.proj.bias': (width, ),
    }
    for i in range(depth):
        shapes.update(_block(f'blocks.{i}.', width))
    shapes.update({'norm.weight': (width, ), 'norm.bias': (width, )})
    if decoder:
        shapes.update({
            'decoder_embed.weight': (dec_width, width),
            'decoder_embed.bias': (dec_width, ),
            'mask_token': (1, 1, dec_width),
            'decoder_pos_embed': (1, tokens, dec_width),
        })
        for i in range(dec_depth):
            shapes.update(_block(f'decoder_blocks.{i}.', dec_width))
        shapes.update({
            'decoder_norm.weight': (dec_width, ),
            'decoder_norm.bias': (dec_width, ),
            'decoder_pred.weight': (patch * patch * 3, dec_width),
            'decoder_pred.bias': (patch * patch * 3, ),
        })
    return shapes


def fill(shapes, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return {k: torch.randn(s, generator=gen) for k, s in shapes.items()}


def expected_name(official):
    if official in TOP_NAMES:
        return TOP_NAMES[official]
    for src, dst in (('decoder_blocks.', 'neck.decoder_blocks.'),
                     ('blocks.', 'backbone.layers.')):
        if official.startswith(src):
            index, rest = official[len(src):].split('.', 1)
            return f'{dst}{index}.{BLOCK_NAMES[rest]}'
    raise AssertionError(official)


def mae_model_cfg(width, depth, heads, dec_width, dec_depth, dec_heads,
                  img_size, patch, ckpt=None):
    grid = img_size // patch
    cfg = dict(
        type='S2IMAE',
        backbone=dict(
            type='S2IMAEViT',
            arch=dict(
                embed_dims=width,
                num_layers=depth,
                num_heads=heads,
                feedforward_channels=4 * width),
            img_size=img_size,
            patch_size=patch),
        neck=dict(
            type='S2IMAEPretrainDecoder',
            patch_resolution=(grid, grid),
            patch_size=patch,
            embed_dim=width,
            decoder_embed_dim=dec_width,
            decoder_depth=dec_depth,
            decoder_num_heads=dec_heads),
        head=dict(
            type='S2IMAEPretrainHead',
            norm_pix=True,
            patch_size=patch,
            loss=dict(type='PixelReconstructionLoss', criterion='L2')))
    if ckpt is not None:
        cfg['init_cfg'] = dict(type='Pretrained', checkpoint=ckpt)
    return cfg


def run_tool(*args):
    return run_script(TOOL, *args, check=False)


@pytest.fixture(autouse=True)
def _scope():
    s2i_mm.register_all_modules()


def test_tiny_official_checkpoint_loads_strictly():
    source = fill(official_mae_shapes(2, 32, 1, 16, patch=8, grid=4))
    converted, skipped = convert_vit_state_dict(source)
    assert skipped == []
    model = MODELS.build(mae_model_cfg(32, 2, 2, 16, 1, 2, 32, 8))
    model.load_state_dict(converted, strict=True)  # nothing missing / extra
    state = model.state_dict()
    for key, value in source.items():
        assert torch.equal(state[expected_name(key)], value), key


def test_timm_state_dict_with_pooling_norm_and_classifier(tmp_path):
    source = fill(official_mae_shapes(2, 32, decoder=False, patch=8,
                                      grid=4))
    source.update({
        'fc_norm.weight': torch.randn(32),
        'fc_norm.bias': torch.randn(32),
        'head.weight': torch.randn(1000, 32),
        'head.bias': torch.randn(1000),
    })
    path = tmp_path / 'timm.pth'
    torch.save(source, path)
    state_dict, fmt = load_source_state_dict(str(path))
    assert fmt == 'timm'
    converted, skipped = convert_vit_state_dict(state_dict)
    assert sorted(skipped) == ['head.bias', 'head.weight']
    assert torch.equal(converted['backbone.ln2.weight'],
                       source['fc_norm.weight'])
    backbone = MODELS.build(
        dict(
            type='VisionTransformer',
            arch=dict(
                embed_dims=32,
                num_layers=2,
                num_heads=2,
                feedforward_channels=128),
            img_size=32,
            patch_size=8,
            out_type='avg_featmap'))
    backbone.load_state_dict(
        {k[len('backbone.'):]: v
         for k, v in converted.items()}, strict=True)


def test_unknown_keys_are_listed():
    source = fill(official_mae_shapes(1, 8, decoder=False, patch=4, grid=2))
    source['blocks.0.ls1.gamma'] = torch.ones(8)
    source['reg_token'] = torch.ones(1, 4, 8)
    with pytest.raises(KeyError, match='ls1.gamma, reg_token'):
        convert_vit_state_dict(source)


def test_official_checkpoint_with_training_args_is_read(tmp_path):
    path = tmp_path / 'mae.pth'
    torch.save(
        dict(
            model=fill(official_mae_shapes(1, 8, decoder=False, patch=4,
                                           grid=2)),
            args=argparse.Namespace(model='mae_vit_base_patch16')), path)
    state_dict, fmt = load_source_state_dict(str(path))
    assert fmt == 'mae' and 'blocks.0.attn.qkv.weight' in state_dict
    with pytest.raises(ValueError, match="under 'model'"):
        torch.save({'state_dict': state_dict}, tmp_path / 'other.pth')
        load_source_state_dict(str(tmp_path / 'other.pth'), 'mae')


def test_cli_bad_input_names_the_file_and_writes_nothing(tmp_path):
    good = tmp_path / 'good.pth'
    torch.save({'model': fill(official_mae_shapes(1, 8, patch=4, grid=2,
                                                  dec_depth=1,
                                                  dec_width=8))}, good)
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(good.read_bytes()[:2000])
    out_dir = tmp_path / 'out'
    proc = run_tool(truncated, out_dir / 'x.pth')
    assert proc.returncode == 1
    assert str(truncated) in proc.stderr and 'not a readable' in proc.stderr
    assert not out_dir.exists() or os.listdir(out_dir) == []
    with pytest.raises(FileNotFoundError, match='missing.pth'):
        load_source_state_dict(str(tmp_path / 'missing.pth'))


@pytest.mark.e2e  # a ViT-B/16 checkpoint
def test_vit_b16_official_checkpoint_end_to_end(tmp_path):
    """Published ViT-B/16 MAE layout -> CLI -> S2IMAE and a 112px ViT."""
    source = fill(official_mae_shapes(), seed=1)
    src = tmp_path / 'mae_visualize_vit_base.pth'
    torch.save({'model': source}, src)
    dst = tmp_path / 'converted' / 'mae_vit-b16.pth'
    proc = run_tool(src, dst, '--src-format', 'mae')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'Converted 254 tensors (backbone, neck)' in proc.stdout
    assert sorted(os.listdir(dst.parent)) == ['mae_vit-b16.pth']

    # 1. the whole pretraining model at 224: every tensor in place
    model = MODELS.build(
        mae_model_cfg(768, 12, 12, 512, 8, 16, 224, 16, ckpt=str(dst)))
    model.init_weights()
    state = model.state_dict()
    assert len(state) == len(source)
    for key, value in source.items():
        assert torch.equal(state[expected_name(key)], value), key
    del model, state

    # 2. a downstream ViT-B/16 at 112 px: pos_embed interpolated 14 -> 7
    # (load_checkpoint with the prefix is what init_cfg=Pretrained does,
    # without the random init that would come first)
    vit = MODELS.build(
        dict(
            type='VisionTransformer',
            arch='b',
            img_size=112,
            patch_size=16,
            out_type='cls_token'))
    load_checkpoint(vit, str(dst), revise_keys=[(r'^backbone\.', '')],
                    logger='silent')
    vit_state = vit.state_dict()
    expected = resize_pos_embed(source['pos_embed'], (14, 14), (7, 7),
                                'bicubic', 1)
    assert vit_state['pos_embed'].shape == (1, 50, 768)
    assert torch.allclose(vit_state['pos_embed'], expected)
    for key, value in source.items():
        name = expected_name(key)
        if name.startswith('backbone.') and key != 'pos_embed':
            assert torch.equal(vit_state[name[len('backbone.'):]],
                               value), key
