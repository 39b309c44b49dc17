"""Convert official MAE and timm ViT weights to mmpretrain MAE names.

Renames (never reshapes: qkv is one fused ``[3 * C, C]`` linear in both)
the timm-style keys of the official MAE release or a timm ViT to those of
mmpretrain's ``MAE`` (``backbone.*``, ``neck.*``). The renames and how to
load the result: see docs/models.md, "ImageNet-pretrained
initialisation".
"""
import argparse
import os.path as osp
import pickle
import re
from typing import Dict, List, Tuple

import torch

__all__ = [
    'SOURCE_FORMATS', 'convert_vit_state_dict', 'load_source_state_dict'
]

SOURCE_FORMATS = ('auto', 'mae', 'timm')

_BLOCK_RENAMES = (
    ('norm1.', 'ln1.'),
    ('norm2.', 'ln2.'),
    ('attn.qkv.', 'attn.qkv.'),
    ('attn.proj.', 'attn.proj.'),
    ('mlp.fc1.', 'ffn.layers.0.0.'),
    ('mlp.fc2.', 'ffn.layers.1.'),
)

_WB = r'(weight|bias)'
# (source pattern, target template); \1, \2 refer to the groups
_RULES = (
    (r'cls_token', 'backbone.cls_token'),
    (r'pos_embed', 'backbone.pos_embed'),
    (rf'patch_embed\.proj\.{_WB}', r'backbone.patch_embed.projection.\1'),
    (r'blocks\.(\d+)\.(.+)', r'backbone.layers.\1.{block}'),
    (rf'norm\.{_WB}', r'backbone.ln1.\1'),
    (rf'fc_norm\.{_WB}', r'backbone.ln2.\1'),
    (r'mask_token', 'neck.mask_token'),
    (r'decoder_pos_embed', 'neck.decoder_pos_embed'),
    (rf'decoder_embed\.{_WB}', r'neck.decoder_embed.\1'),
    (r'decoder_blocks\.(\d+)\.(.+)', r'neck.decoder_blocks.\1.{block}'),
    (rf'decoder_norm\.{_WB}', r'neck.ln1.\1'),
    (rf'decoder_pred\.{_WB}', r'neck.decoder_pred.\1'),
)

#: Keys dropped on purpose: the ImageNet classifier of a timm ViT.
_SKIPPED = (rf'head\.{_WB}', )


def _rename_block_param(name: str) -> str:
    for old, new in _BLOCK_RENAMES:
        if name.startswith(old):
            return new + name[len(old):]
    raise KeyError(name)


def _convert_key(key: str) -> str:
    for pattern, template in _RULES:
        match = re.fullmatch(pattern, key)
        if match is None:
            continue
        if '{block}' in template:
            block = _rename_block_param(match.group(2))
            return match.expand(template.replace('{block}', '')) + block
        return match.expand(template)
    raise KeyError(key)


def convert_vit_state_dict(
    state_dict: Dict[str, torch.Tensor]
) -> Tuple[Dict[str, torch.Tensor], List[str]]:
    """Rename an official MAE / timm ViT state dict to mmpretrain names.

    Args:
        state_dict (dict[str, Tensor]): Source weights (no ``module.``
            prefix).

    Returns:
        tuple: The converted state dict (same tensors, new names) and the
        list of source keys left out on purpose (classifier ``head.*``).

    Raises:
        KeyError: Listing every source key the converter does not know, so
            that no weight is silently lost.
    """
    converted, skipped, unknown = {}, [], []
    for key, value in state_dict.items():
        if any(re.fullmatch(p, key) for p in _SKIPPED):
            skipped.append(key)
            continue
        try:
            converted[_convert_key(key)] = value
        except KeyError:
            unknown.append(key)
    if unknown:
        raise KeyError(
            f'{len(unknown)} keys are not ViT/MAE weights this converter '
            f'knows: {", ".join(unknown[:10])}' +
            (' ...' if len(unknown) > 10 else ''))
    return converted, skipped


def load_source_state_dict(path: str,
                           src_format: str = 'auto'
                           ) -> Tuple[Dict[str, torch.Tensor], str]:
    """Read an official MAE or timm ViT checkpoint.

    Args:
        path (str): Checkpoint file.
        src_format (str): ``'mae'`` (a dict with the weights under
            ``'model'``), ``'timm'`` (a plain state dict, or one under
            ``'state_dict'``) or ``'auto'`` (decide by the ``'model'`` key).

    Returns:
        tuple: The state dict and the format that was used.

    Raises:
        FileNotFoundError: If ``path`` does not exist.
        ValueError: If the file is not a readable checkpoint or has no
            state dict of the requested format; the message names the file.
    """
    if src_format not in SOURCE_FORMATS:
        raise ValueError(f'src_format must be one of {SOURCE_FORMATS}, got '
                         f'{src_format!r}')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: no such checkpoint file')
    try:
        # official MAE checkpoints may hold the training argparse.Namespace
        with torch.serialization.safe_globals([argparse.Namespace]):
            ckpt = torch.load(path, map_location='cpu', weights_only=True)
    except (RuntimeError, EOFError, pickle.UnpicklingError, OSError,
            ValueError) as err:
        raise ValueError(f'{path}: not a readable PyTorch checkpoint '
                         f'(truncated or not a checkpoint?): {err}') from None
    if not isinstance(ckpt, dict):
        raise ValueError(f'{path}: expected a dict, found {type(ckpt)}')
    if src_format == 'auto':
        src_format = 'mae' if isinstance(ckpt.get('model'), dict) else 'timm'
    if src_format == 'mae':
        if not isinstance(ckpt.get('model'), dict):
            raise ValueError(f"{path}: an official MAE checkpoint keeps its "
                             f"weights under 'model'; found keys "
                             f'{sorted(ckpt)[:10]}')
        state_dict = ckpt['model']
    else:
        state_dict = ckpt.get('state_dict', ckpt)
    state_dict = {
        k[len('module.'):] if k.startswith('module.') else k: v
        for k, v in state_dict.items()
    }
    bad = [k for k, v in state_dict.items() if not torch.is_tensor(v)]
    if bad:
        raise ValueError(f'{path}: entries that are not tensors, so not a '
                         f'{src_format} state dict: {bad[:10]}')
    return state_dict, src_format
