"""Write an annotation file from samples made in Python: the one call a
converter of your own needs (``s2i_mm.converters.write_annotation_file``;
an example in docs/converters.md, "Writing a converter of your own").
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from s2i_mm.fileio.annotation import (
    check_labels,
    check_sample,
    merge_score_channel,
    resolve_format,
)
from s2i_mm.formats import record_format_reference

from .pipeline import assemble, check_outputs, write_outputs

__all__ = ['write_annotation_file']


def write_annotation_file(out_file: str,
                          samples: Sequence[Dict[str, Any]],
                          skeleton_format: str,
                          splits: Optional[Dict[str, Sequence[str]]] = None,
                          classes: Optional[Sequence[str]] = None,
                          store_dir: Optional[str] = None) -> Dict[str, Any]:
    """Check samples against their format and write the annotation pkl.

    Every sample is checked as :class:`~s2i_mm.datasets.SkeletonDataset`
    will check it (keys, ``[M, T, V, C]`` shape, the format's joint and
    channel counts, finite values, a non-negative integer label below
    ``len(classes)``, unique names); the format is recorded as
    :func:`~s2i_mm.formats.record_format_reference` says (a name as it is,
    a spec path relative to the pkl when it lies below its folder), and
    the file (and the packed store) is written all-or-nothing.

    Args:
        out_file (str): Destination ``.pkl``.
        samples (Sequence[dict]): ``frame_dir`` (str), ``label`` (int) and
            ``keypoint`` (``[M, T, V, C]``; mmaction2's 2D layout
            ``keypoint`` ``[..., 2]`` + ``keypoint_score`` is accepted for
            a format with a score channel). Written with ``keypoint`` as
            float32 and ``total_frames`` set.
        skeleton_format (str | SkeletonFormat): A registered format name
            or a spec file (relative to the working directory); a layout
            built in Python is recorded by its name (readers then need it
            registered, e.g. by a plugin module).
        splits (dict, optional): Split name -> sample names.
        classes (Sequence[str], optional): Class names, index = label.
        store_dir (str, optional): Also write the packed store here.

    Returns:
        dict: The written annotation dict.

    Raises:
        SkeletonDataError: A bad sample (naming its index and name), an
            unknown format, a duplicate name, a split naming an unknown
            sample.
        OSError: An output that cannot be written.
    """
    fmt = resolve_format(out_file, skeleton_format, None, 'skeleton_format')
    source = f'{out_file} (not written)'
    annotations: List[Dict[str, Any]] = []
    for i, sample in enumerate(samples):
        checked = check_sample(merge_score_channel(sample, fmt.channels), i,
                               source, fmt.num_joints, [len(fmt.channels)])
        annotations.append(dict(
            sample, total_frames=checked.shape[1],
            keypoint=np.asarray(sample['keypoint'], np.float32)))
    check_labels(annotations, classes, source)
    check_outputs(out_file, store_dir)
    data = assemble(annotations, splits or {},
                    record_format_reference(skeleton_format, out_file),
                    classes)
    write_outputs(data, out_file, store_dir)
    return data
