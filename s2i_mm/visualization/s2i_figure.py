"""Pictures of S2I images: what the model sees, with joint names and body
part boundaries on the axes."""
import os
import os.path as osp
from typing import Optional, Sequence

from s2i_mm.datasets.transforms import S2IEncode, SkeletonModality
from s2i_mm.formats import SkeletonFormat, get_format

__all__ = ['encode_modalities', 'draw_s2i_figure', 'save_figure']

MODALITY_TITLES = {'j': 'joint', 'b': 'bone', 'm': 'motion',
                   'bm': 'bone motion'}


def encode_modalities(sample: dict,
                      fmt: SkeletonFormat,
                      modalities: Sequence[str] = ('j', 'b', 'm'),
                      **s2i_args) -> list:
    """S2I-encode one sample once per modality.

    Args:
        sample (dict): With ``keypoint`` [M, T, V, C] (and optionally
            ``frame_dir``), e.g. a :class:`SkeletonDataset` item.
        fmt (SkeletonFormat): Its format.
        modalities (Sequence[str]): Modality names (see
            :class:`~s2i_mm.datasets.transforms.SkeletonModality`).
        **s2i_args: Arguments of
            :class:`~s2i_mm.datasets.transforms.S2IEncode`.

    Returns:
        list[dict]: The transformed results, one per modality (``img``,
        ``ori_shape`` = grid rows x columns before resizing).
    """
    encode = S2IEncode(skeleton_format=fmt, **s2i_args)
    outputs = []
    for name in modalities:
        results = dict(sample)
        results.pop('skeleton_format', None)  # the given fmt decides
        results = SkeletonModality(name, skeleton_format=fmt)(results)
        outputs.append(encode(results))
    return outputs


def draw_s2i_figure(sample: dict,
                    skeleton_format,
                    modalities: Sequence[str] = ('j', 'b', 'm'),
                    title: Optional[str] = None,
                    **s2i_args):
    """Draw the S2I image of each modality of one sample.

    Each panel shows the image the model receives (values in [0, 1] as
    RGB = x, y, z) on axes in grid units: columns are labelled with joint
    names in S2I order, dashed lines separate body parts, solid lines
    separate persons; rows are frames.

    Args:
        sample (dict): With ``keypoint`` [M, T, V, C].
        skeleton_format (str | dict | SkeletonFormat): Its format.
        modalities (Sequence[str]): One panel per modality.
        title (str, optional): Figure title. Defaults to the sample's
            ``frame_dir``.
        **s2i_args: Arguments of ``S2IEncode`` (``persons``, ``size``...).

    Returns:
        matplotlib.figure.Figure: The figure (not shown).
    """
    from matplotlib.figure import Figure
    fmt = get_format(skeleton_format)
    outputs = encode_modalities(sample, fmt, modalities, **s2i_args)
    rows, cols = outputs[0]['ori_shape']
    persons = s2i_args.get('persons', 'side_by_side')
    # frames of one person: with 'stacked_time' the persons' frames follow
    # each other down the grid (however many persons S2IEncode placed)
    frames = outputs[0]['keypoint'].shape[1]
    width = max(8., 0.22 * cols + 2)
    fig = Figure(figsize=(width, 3.6 * len(outputs)), layout='constrained')
    axes = fig.subplots(len(outputs), 1, squeeze=False)[:, 0]
    for ax, name, results in zip(axes, modalities, outputs):
        img = results['img']
        shown = img[..., :3] if img.shape[-1] >= 3 else img[..., 0]
        ax.imshow(shown, extent=(-0.5, cols - 0.5, rows - 0.5, -0.5),
                  aspect='auto', interpolation='nearest')
        _mark_layout(ax, fmt, rows, cols, persons, frames)
        ax.set_ylabel('frame')
        ax.set_title(
            f'{MODALITY_TITLES.get(name, name)}: grid {rows} x {cols} '
            f'-> image {img.shape[0]} x {img.shape[1]}', fontsize=10, pad=14)
    fig.suptitle(title or str(sample.get('frame_dir', '')))
    return fig


def _mark_layout(ax, fmt: SkeletonFormat, rows: int, cols: int,
                 persons: str, frames: int) -> None:
    joints = fmt.num_joints
    names = [fmt.joint_names[j] for j in fmt.s2i_order]
    blocks = cols // joints
    ax.set_xticks(range(cols))
    ax.set_xticklabels(names * blocks, rotation=90, fontsize=7)
    for block in range(blocks):
        offset = block * joints
        if block:
            ax.axvline(offset - 0.5, color='white', linewidth=2.5)
        for part, start, stop in fmt.part_spans:
            if start:
                ax.axvline(offset + start - 0.5, color='white',
                           linewidth=0.8, linestyle='--')
            ax.text(offset + (start + stop - 1) / 2, -0.5,
                    part.replace('_', ' '), ha='center', va='bottom',
                    fontsize=7)
    if persons == 'stacked_time':
        for row in range(frames, rows, frames):
            ax.axhline(row - 0.5, color='white', linewidth=2.5)


def save_figure(fig, out_file: str, dpi: int = 100) -> None:
    """Write a figure as PNG atomically (temporary name, then rename)."""
    directory = osp.dirname(osp.abspath(out_file))
    os.makedirs(directory, exist_ok=True)
    # a hidden temporary name in the same directory (same file system, so
    # os.replace is atomic); created by savefig with the usual umask
    tmp = osp.join(directory,
                   f'.{osp.basename(out_file)}.{os.getpid()}.tmp.png')
    try:
        fig.savefig(tmp, dpi=dpi, format='png')
        os.replace(tmp, out_file)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
