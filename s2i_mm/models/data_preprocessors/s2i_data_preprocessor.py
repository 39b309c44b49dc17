"""Data preprocessors that resize S2I grids to the model's input size on the
model's device (the workers then send the small T x J grid, not the
224 x 224 image)."""
from typing import List, Sequence, Tuple, Union

import torch
import torch.nn.functional as F
from mmpretrain.models import ClsDataPreprocessor, SelfSupDataPreprocessor

from s2i_mm.registry import MODELS

__all__ = [
    'resize_batch', 'S2IClsDataPreprocessor', 'S2ISelfSupDataPreprocessor'
]

Size = Union[int, Tuple[int, int]]


def resize_batch(inputs: Union[torch.Tensor, Sequence[torch.Tensor]],
                 size: Tuple[int, int]) -> torch.Tensor:
    """Resize every image to ``size`` and stack them.

    The resize is bilinear with half-pixel centres
    (``align_corners=False``, no antialiasing), in float32: the same
    interpolation as OpenCV's ``INTER_LINEAR`` in
    :class:`~s2i_mm.datasets.transforms.S2IEncode`, so a batch resized
    here equals the one resized in the workers (within float rounding).

    Args:
        inputs (Tensor | list[Tensor]): A batch ``[B, ..., C, H, W]``
            (``default_collate``) or a list of ``[..., C, H, W]`` tensors
            (``pseudo_collate``); in a list the grids may differ in size
            (datasets of several skeleton formats), e.g. ``[C, H, W]``
            images or ``[N, C, H, W]`` test-time clips.
        size (tuple[int, int]): Output ``(height, width)``.

    Returns:
        Tensor: float32 ``[B, ..., C, height, width]``.
    """
    if not torch.is_tensor(inputs):
        shapes = {tuple(x.shape) for x in inputs}
        if len(shapes) > 1:  # grids of several widths
            return torch.stack([resize_batch(x[None], size)[0]
                                for x in inputs])
        inputs = torch.stack(list(inputs))
    inputs = inputs.float()
    if tuple(inputs.shape[-2:]) == tuple(size):
        return inputs
    images = inputs.reshape(-1, *inputs.shape[-3:])
    resized = F.interpolate(
        images, size=size, mode='bilinear', align_corners=False)
    return resized.reshape(*inputs.shape[:-2], *size)


def _as_size(size: Size) -> Tuple[int, int]:
    size = (size, size) if isinstance(size, int) else tuple(size)
    if len(size) != 2 or min(size) < 1:
        raise ValueError(f'size must be (height, width), got {size}.')
    return int(size[0]), int(size[1])


@MODELS.register_module()
class S2IClsDataPreprocessor(ClsDataPreprocessor):
    """mmpretrain's ``ClsDataPreprocessor`` that first resizes the batch to
    ``size`` on the model's device (:func:`resize_batch`).

    Pair it with ``S2IEncode(size=None)``: the workers send the T x J grid
    (about a tenth of the bytes of a 224 x 224 image) and the model gets
    the same input as with ``S2IEncode(size=(224, 224))``. Images that
    already have ``size`` pass unchanged, so the same model config serves
    both pipelines.

    Args:
        size (int | tuple[int, int]): Model input ``(height, width)``.
            Defaults to (224, 224).
        **kwargs: Arguments of ``ClsDataPreprocessor`` (``mean``, ``std``,
            ``to_rgb``, ``batch_augments``...).
    """

    def __init__(self, size: Size = (224, 224), **kwargs) -> None:
        super().__init__(**kwargs)
        self.size = _as_size(size)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Resize ``data['inputs']``, then ``ClsDataPreprocessor``."""
        inputs = resize_batch(self.cast_data(data['inputs']), self.size)
        return super().forward(dict(data, inputs=inputs), training)


@MODELS.register_module()
class S2ISelfSupDataPreprocessor(SelfSupDataPreprocessor):
    """mmpretrain's ``SelfSupDataPreprocessor`` that first resizes the
    batch to ``size`` on the model's device (:func:`resize_batch`); see
    :class:`S2IClsDataPreprocessor`. It returns one ``[B, C, H, W]``
    tensor (one view per sample, as masked image modelling uses).

    Args:
        size (int | tuple[int, int]): Model input ``(height, width)``.
            Defaults to (224, 224).
        **kwargs: Arguments of ``SelfSupDataPreprocessor``.
    """

    def __init__(self, size: Size = (224, 224), **kwargs) -> None:
        super().__init__(**kwargs)
        self.size = _as_size(size)

    def forward(self, data: dict, training: bool = False) -> dict:
        """Resize ``data['inputs']``, then ``SelfSupDataPreprocessor``."""
        inputs: List[torch.Tensor] = self.cast_data(data['inputs'])
        return super().forward(
            dict(data, inputs=resize_batch(inputs, self.size)), training)
