"""Check every label of a run's datasets against the model's classes before
the first step."""
from typing import Iterator, Optional, Tuple

import numpy as np
from mmengine.dataset import BaseDataset
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from s2i_mm.fileio.annotation import SkeletonDataError
from s2i_mm.registry import HOOKS

__all__ = ['LabelRangeHook', 'model_num_classes']


def model_num_classes(model) -> Optional[int]:
    """``num_classes`` of the model's classification head (``head`` as in
    mmpretrain, ``cls_head`` as in mmaction2), or None without one."""
    found = _head(model)
    return None if found is None else found[1]


def _head(model) -> Optional[Tuple[str, int]]:
    model = model.module if is_model_wrapper(model) else model
    for name in ('head', 'cls_head'):
        num_classes = getattr(getattr(model, name, None), 'num_classes',
                              None)
        if isinstance(num_classes, int):
            return name, num_classes
    return None


def _leaves(dataset) -> Iterator:
    """The datasets inside wrappers (``ConcatDataset`` and its
    ``MixedFormatDataset``, ``RepeatDataset``, ``ClassBalancedDataset``)."""
    if hasattr(dataset, 'datasets'):
        for member in dataset.datasets:
            yield from _leaves(member)
    elif hasattr(dataset, 'dataset'):
        yield from _leaves(dataset.dataset)
    else:
        yield dataset


def _records(dataset) -> Iterator[dict]:
    """Each sample's record without its data: mmengine's stored record
    (no keypoints read from a store, no pipeline run)."""
    if isinstance(dataset, BaseDataset):
        dataset.full_init()
        for index in range(len(dataset)):
            yield BaseDataset.get_data_info(dataset, index)


@HOOKS.register_module()
class LabelRangeHook(Hook):
    """Refuse a run whose datasets hold a label the model has no class for.

    Before the run starts (``before_run``: the loops' datasets are built,
    nothing is trained or tested yet), every sample of every dataset the
    run uses (training and validation for ``train``, test for ``test``;
    the members of mixed and wrapped datasets) has its ``label`` (or
    ``gt_label``) compared with ``num_classes`` of the model's head. The
    first label outside ``0 .. num_classes - 1`` raises one
    :class:`~s2i_mm.fileio.annotation.SkeletonDataError` naming the file,
    the sample (index in its dataset, ``frame_dir``), the label and
    ``num_classes``. Without it, training fails mid-epoch with torch's
    ``IndexError: Target 20 is out of bounds`` and testing reports metrics
    of labels the head cannot predict. A model without a classification
    head (MAE pretraining) is not checked. The records are read without
    their keypoints.
    """

    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        head = _head(runner.model)
        if head is None:
            return
        for stage in ('train', 'val', 'test'):
            loop = getattr(runner, f'_{stage}_loop', None)
            if isinstance(loop, BaseLoop):  # built for this run
                for dataset in _leaves(loop.dataloader.dataset):
                    _check(dataset, head, f'{stage}_dataloader')


def _outside(label, num_classes: int):
    """The first class index in ``label`` (an int, or several for a
    multi-label sample) outside ``0 .. num_classes - 1``, else None."""
    if isinstance(label, (int, np.integer)):
        return None if 0 <= label < num_classes else int(label)
    labels = np.asarray(label).reshape(-1)
    outside = labels[(labels < 0) | (labels >= num_classes)]
    return outside[0].item() if len(outside) else None


def _check(dataset, head: Tuple[str, int], loader: str) -> None:
    name, num_classes = head
    for index, record in enumerate(_records(dataset)):
        bad = _outside(record.get('label', record.get('gt_label', 0)),
                       num_classes)
        if bad is None:
            continue
        source = getattr(dataset, 'ann_file', None) or type(dataset).__name__
        about = [repr(record['frame_dir'])] if 'frame_dir' in record else []
        if getattr(dataset, 'split', None):
            about.append(f'split {dataset.split!r}')
        raise SkeletonDataError(
            f'{source}: sample {index} of the {loader} dataset'
            + (f' ({", ".join(about)})' if about else '')
            + f': label {bad}, but the model\'s head has num_classes='
            f'{num_classes} (labels 0 to {num_classes - 1}): set '
            f'model.{name}.num_classes to the number of classes of the '
            'data, or use data whose labels the model was made for')
