"""Count the parameters of the models of configs, and of their backbones.

Builds each config's model (no weights are loaded) and prints all and
trainable parameters of the model and of its ``backbone``, then the same as
one JSON line, by config (also written to ``--out``). The configs'
``custom_imports`` are imported: for ``projects/``, put the repository on
``PYTHONPATH``.

Example::

    python tools/analysis/count_parameters.py \\
        configs/demo/mae_vit-w16-p8_1xb32-500e_synthetic-s2i32.py
"""
import argparse
import json
import sys
from typing import Dict

from mmengine.config import Config

import s2i_mm
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.apis.tool_jobs import write_json
from s2i_mm.registry import MODELS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Count the parameters of configs' models and backbones")
    parser.add_argument('configs', nargs='+', help='config files')
    parser.add_argument('--out', help='also write the counts as JSON here')
    add_debug_arg(parser)
    return parser.parse_args(argv)


def count_parameters(model) -> Dict[str, int]:
    """All and trainable (``requires_grad``) parameters of ``model``."""
    params = list(model.parameters())
    return dict(all=sum(p.numel() for p in params),
                trainable=sum(p.numel() for p in params if p.requires_grad))


def model_parameters(config: str) -> Dict[str, Dict[str, int]]:
    """:func:`count_parameters` of ``config``'s model and, if it has one,
    of its backbone."""
    model = MODELS.build(Config.fromfile(config).model)
    counts = dict(model=count_parameters(model))
    if getattr(model, 'backbone', None) is not None:
        counts['backbone'] = count_parameters(model.backbone)
    return counts


@tool_main
def main(argv=None) -> int:
    args = parse_args(argv)
    s2i_mm.register_all_modules(init_default_scope=True)
    counts = {config: model_parameters(config) for config in args.configs}
    for config, parts in counts.items():
        print(config)
        for part, found in parts.items():
            print(f'  {part}: {found["all"]:,} parameters, '
                  f'{found["trainable"]:,} trainable')
    if args.out:
        write_json(args.out, counts)
    print(json.dumps(counts), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
