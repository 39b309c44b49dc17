"""Write PNG grids of S2I inputs, masks and MAE / DiffMAE reconstructions.

One row per sample. For MAE (``S2IMAE``), four panels: the S2I image, the
image with the masked patches greyed out, the decoder's reconstruction, and
the reconstruction pasted into the masked patches of the input. For DiffMAE
(``S2IDiffMAE``): the S2I image, the masked image, the noisy masked patches
at a few steps of the reverse diffusion (``--trajectory`` of them, from
pure noise on), and the final inpainting (visible patches are the input's).
Each row is scaled by its input's value range, panels are enlarged (nearest
neighbour) so small demo images stay readable.

Examples::

    python tools/analysis/visualize_mae.py CONFIG CHECKPOINT \
        --out-dir work_dirs/mae_vis --num-samples 8 --mask-strategy joint
    python tools/analysis/visualize_mae.py DIFFMAE_CONFIG CHECKPOINT \
        --out-dir work_dirs/diffmae_vis --sampler ddpm --num-steps 1000
"""
import argparse
import math
import os
import os.path as osp
import sys
import tempfile

import cv2
import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import default_collate
from mmengine.runner import load_checkpoint

import s2i_mm
from s2i_mm.apis.tool_entry import add_debug_arg, tool_main
from s2i_mm.compat import apply_runner_fixes
from s2i_mm.models.selfsup.diffmae import SAMPLERS
from s2i_mm.models.selfsup.masking import MASK_STRATEGIES, num_masked
from s2i_mm.registry import DATASETS, MODELS
from s2i_mm.utils.config_options import CfgOptionsAction, merge_cfg_options

MAE_PANELS = ('reconstruction', 'visible + reconstruction')
GREY = 128
GAP = 4


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Visualise MAE reconstructions / DiffMAE inpaintings '
        'of S2I images')
    parser.add_argument('config', help='MAE or DiffMAE pretraining config')
    parser.add_argument('checkpoint', help='pretraining checkpoint')
    parser.add_argument(
        '--out-dir', required=True, help='folder for the PNG files')
    parser.add_argument(
        '--num-samples', type=int, default=8, help='samples to show')
    parser.add_argument(
        '--split',
        default='train',
        choices=['train', 'val', 'test'],
        help='dataloader whose dataset (and pipeline) gives the samples')
    parser.add_argument(
        '--mask-strategy',
        choices=MASK_STRATEGIES,
        help='override the config mask strategy')
    parser.add_argument(
        '--mask-ratio', type=float, help='override the config mask ratio')
    parser.add_argument(
        '--scale',
        type=int,
        default=None,
        help='panel enlargement factor (default: panels at least 128 px)')
    parser.add_argument(
        '--sampler',
        choices=SAMPLERS,
        default='ddim',
        help='DiffMAE: reverse diffusion sampler')
    parser.add_argument(
        '--num-steps',
        type=int,
        default=50,
        help='DiffMAE: denoising steps (1 .. T of the schedule)')
    parser.add_argument(
        '--trajectory',
        type=int,
        default=4,
        help='DiffMAE: intermediate denoising states drawn per row')
    parser.add_argument(
        '--seed', type=int, default=0, help='mask (and noise) seed')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=CfgOptionsAction,
        help='override settings in the config, key=value pairs')
    add_debug_arg(parser)
    return parser.parse_args(argv)


def build_model(cfg, checkpoint, mask_strategy=None, mask_ratio=None):
    """Build the MAE / DiffMAE model of ``cfg``, load ``checkpoint``."""
    model = MODELS.build(cfg.model)
    if not hasattr(model, 'reconstruct') and not hasattr(model, 'inpaint'):
        raise ValueError(f'{type(model).__name__} cannot reconstruct; the '
                         'config must build an S2IMAE or S2IDiffMAE model')
    apply_runner_fixes()  # weights-only loading with the allowlist
    load_checkpoint(model, checkpoint, map_location='cpu', logger='silent')
    backbone = model.backbone
    if mask_strategy is not None:
        backbone.mask_strategy = mask_strategy
    if mask_ratio is not None:
        num_masked(1, mask_ratio)  # validates
        backbone.mask_ratio = mask_ratio
    return model.eval()


def load_batch(cfg, split, num_samples):
    """Preprocessed inputs ``[B, C, H, W]`` of the first samples."""
    loader_cfg = cfg.get(f'{split}_dataloader')
    if loader_cfg is None:
        raise ValueError(f'the config has no {split}_dataloader')
    dataset = DATASETS.build(loader_cfg['dataset'])
    if len(dataset) == 0:
        raise ValueError(f'the {split} dataset is empty')
    count = min(num_samples, len(dataset))
    return default_collate([dataset[i] for i in range(count)])


def to_display(images, low, high):
    """Float ``[B, C, H, W]`` -> uint8 ``[B, H, W, C]`` with a row range."""
    span = (high - low).clamp(min=1e-8)
    scaled = (images - low) / span * 255
    return scaled.clamp(0, 255).round().byte().permute(0, 2, 3, 1).numpy()


def make_rows(inputs, mask, panels, scale):
    """One uint8 RGB row image per sample.

    Panels: the input, the input with the masked pixels grey, then each of
    ``panels`` (``[B, C, H, W]`` images in the input's value space).
    """
    flat = inputs.flatten(1)
    low = flat.min(1).values.view(-1, 1, 1, 1)
    high = flat.max(1).values.view(-1, 1, 1, 1)
    masked = to_display(inputs, low, high)
    grey = mask.permute(0, 2, 3, 1).numpy() > 0.5
    masked[np.broadcast_to(grey, masked.shape)] = GREY
    shown = [to_display(inputs, low, high), masked]
    shown += [to_display(panel, low, high) for panel in panels]
    rows = []
    for i in range(inputs.shape[0]):
        parts = []
        for panel in shown:
            img = panel[i].repeat(scale, axis=0).repeat(scale, axis=1)
            parts += [img, np.full((img.shape[0], GAP, 3), 255, np.uint8)]
        rows.append(np.concatenate(parts[:-1], axis=1))
    return rows


def header(names, width, panel_width, text_scale=0.4):
    """White strip naming the panels."""
    strip = np.full((18, width, 3), 255, np.uint8)
    for i, name in enumerate(names):
        cv2.putText(strip, name, (i * (panel_width + GAP) + 2, 13),
                    cv2.FONT_HERSHEY_SIMPLEX, text_scale, (0, 0, 0), 1,
                    cv2.LINE_AA)
    return strip


def write_png(path, rgb):
    """Write an RGB image as PNG atomically (temp file + rename)."""
    ok, data = cv2.imencode('.png', np.ascontiguousarray(rgb[..., ::-1]))
    if not ok:
        raise RuntimeError(f'could not encode {path}')
    fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data.tobytes())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise


def trajectory_indices(num_steps, count):
    """``count`` sampler step indices spread over ``0 .. num_steps - 1``
    (the ``record_steps`` of ``S2IDiffMAE.inpaint``: steps in the order the
    sampler runs them, not diffusion steps ``t``)."""
    count = max(0, min(count, num_steps))
    if count == 0:
        return []
    return sorted({int(i) for i in np.linspace(0, num_steps - 1, count)})


def predict(model, inputs, sampler='ddim', num_steps=50, trajectory=4):
    """Run the model: ``(grid file name, panel names, mask, panels)``."""
    if hasattr(model, 'inpaint'):
        out = model.inpaint(
            inputs, sampler=sampler, num_steps=num_steps,
            record_steps=trajectory_indices(num_steps, trajectory))
        names = [f'x_t, t={t}' for t in out['trajectory_steps']]
        return ('diffmae_inpainting.png', names + [f'{sampler} inpainting'],
                out['mask'], out['trajectory'] + [out['inpainting']])
    out = model.reconstruct(inputs)
    return ('mae_reconstruction.png', list(MAE_PANELS), out['mask'],
            [out['reconstruction'], out['pasted']])


def visualize(cfg, checkpoint, out_dir, num_samples=8, split='train',
              mask_strategy=None, mask_ratio=None, scale=None, seed=0,
              sampler='ddim', num_steps=50, trajectory=4):
    """Write the grid (``mae_reconstruction.png`` for MAE,
    ``diffmae_inpainting.png`` for DiffMAE) and one ``sample_<i>.png`` per
    row.

    Returns:
        list[str]: The written files, the grid first.
    """
    model = build_model(cfg, checkpoint, mask_strategy, mask_ratio)
    batch = load_batch(cfg, split, num_samples)
    data = model.data_preprocessor(batch, False)
    inputs = data['inputs']
    torch.manual_seed(seed)
    grid_name, names, mask, panels = predict(model, inputs, sampler,
                                             num_steps, trajectory)
    # back from the preprocessor's normalisation to S2I values
    preprocessor = model.data_preprocessor
    if getattr(preprocessor, '_enable_normalize', False):
        std, mean = preprocessor.std.cpu(), preprocessor.mean.cpu()
        inputs = inputs * std + mean
        panels = [panel * std + mean for panel in panels]
    h, w = inputs.shape[-2:]
    scale = scale or max(1, math.ceil(128 / min(h, w)))
    rows = make_rows(inputs.float(), mask.float(),
                     [panel.float() for panel in panels], scale)
    os.makedirs(out_dir, exist_ok=True)
    written = []
    width = rows[0].shape[1]
    separator = np.full((GAP, width, 3), 255, np.uint8)
    grid = [header(['input', 'masked', *names], width, w * scale)]
    for row in rows:
        grid += [row, separator]
    grid_path = osp.join(out_dir, grid_name)
    write_png(grid_path, np.concatenate(grid[:-1], axis=0))
    written.append(grid_path)
    for i, row in enumerate(rows):
        path = osp.join(out_dir, f'sample_{i}.png')
        write_png(path, row)
        written.append(path)
    return written


@tool_main
def main(argv=None):
    args = parse_args(argv)
    s2i_mm.register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        for note in merge_cfg_options(cfg, args.cfg_options):
            print(note, file=sys.stderr)
    try:
        written = visualize(cfg, args.checkpoint, args.out_dir,
                            args.num_samples, args.split, args.mask_strategy,
                            args.mask_ratio, args.scale, args.seed,
                            args.sampler, args.num_steps, args.trajectory)
    except (ValueError, FileNotFoundError) as err:
        print(f'error: {err}', file=sys.stderr)
        return 1
    print(f'wrote {written[0]} ({len(written) - 1} samples)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
