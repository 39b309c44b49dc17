"""Convert official MAE / timm ViT weights to mmpretrain MAE names.

Examples::

    python tools/convert_weights.py mae_pretrain_vit_base.pth \\
        checkpoints/mae_vit-base-p16_official.pth
    python tools/convert_weights.py vit_base_patch16_224.pth out.pth \\
        --src-format timm

The output is an mmengine checkpoint (``{'state_dict': ..., 'meta': ...}``)
with ``backbone.*`` (encoder) and, when the source has a decoder,
``neck.*`` keys; how to load it: see docs/models.md, "ImageNet-pretrained
initialisation".
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

import torch

from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.models.utils.weight_conversion import (
    SOURCE_FORMATS,
    convert_vit_state_dict,
    load_source_state_dict,
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Convert official MAE or timm ViT weights to mmpretrain '
        'MAE names')
    parser.add_argument('src', help='source checkpoint file')
    parser.add_argument('dst', help='output checkpoint file')
    parser.add_argument(
        '--src-format',
        choices=SOURCE_FORMATS,
        default='auto',
        help="'mae': official MAE release ({'model': ...}); 'timm': a timm "
        "ViT state dict; 'auto' (default): 'mae' when the file has a "
        "'model' entry")
    add_debug_arg(parser)
    return parser.parse_args(argv)


def save_atomically(obj, dst: str) -> None:
    """``torch.save`` to a temporary file in ``dst``'s folder, then rename."""
    out_dir = osp.dirname(osp.abspath(dst))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out_dir, suffix='.tmp')
    os.close(fd)
    try:
        torch.save(obj, tmp)
        os.replace(tmp, dst)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        state_dict, src_format = load_source_state_dict(
            args.src, args.src_format)
        converted, skipped = convert_vit_state_dict(state_dict)
    except (FileNotFoundError, ValueError, KeyError) as err:
        message = err.args[0] if isinstance(err, KeyError) else err
        print(f'error: {args.src}: {message}', file=sys.stderr)
        return 1
    meta = dict(
        converted_from=osp.basename(args.src),
        src_format=src_format,
        skipped_keys=skipped)
    save_atomically(dict(state_dict=converted, meta=meta), args.dst)
    parts = sorted({k.split('.')[0] for k in converted})
    print(f'Converted {len(converted)} tensors ({", ".join(parts)}) from '
          f'{args.src} ({src_format}) to {args.dst}' +
          (f'; skipped {", ".join(skipped)}' if skipped else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main())
