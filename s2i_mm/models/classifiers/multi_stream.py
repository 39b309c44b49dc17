"""One S2I encoder per stream (joint, motion, bone), fused by the head."""
from typing import Dict, Tuple

import torch
from mmengine.model import ModuleDict

from s2i_mm.formats.modalities import normalize_modalities
from s2i_mm.registry import MODELS

from .s2i_classifier import S2IClassifier

__all__ = ['MultiStreamS2IClassifier']


@MODELS.register_module()
class MultiStreamS2IClassifier(S2IClassifier):
    """Multi-stream S2I recognizer: one encoder per stream, one fusion head.

    The input is the streams' S2I images of the same sampled frames stacked
    along the channels, in the order of ``streams`` (``SkeletonModality(
    modalities=('j', 'm', 'b'))`` then ``S2IEncode`` makes them: 9 channels
    for three 3-channel streams; ``ClsDataPreprocessor`` then takes 9 means
    and stds). Each channel group goes through its stream's backbone (and
    neck, if any); the head gets the tuple of the streams' last features,
    e.g. :class:`LateFusionClsHead` or :class:`FeatureConcatClsHead`.

    Every stream is configured on its own: its backbone's ``init_cfg``
    loads its own pretraining checkpoint (``prefix='backbone.'``, as the
    single-stream linear probe), ``frozen_stages`` freezes it for a linear
    probe or leaves it trainable for fine-tuning. Parameters are named
    ``backbone.<stream>.*`` and ``neck.<stream>.*``; layer-wise lr decay
    gives each stream's layers their depth in that stream.

    Multi-clip test samples (``[B, num_clips, C, H, W]``) are averaged as in
    :class:`S2IClassifier`.

    Args:
        streams (dict): Stream name (``'j'``, ``'m'``, ``'b'``, ... or the
            long names of ``SkeletonModality``) -> ``dict(backbone=...,
            neck=None)``, in the order of the input's channel groups.
        head (dict): The fusion head.
        **kwargs: ``data_preprocessor``, ``train_cfg``, ``init_cfg`` and
            ``average_clips`` of :class:`S2IClassifier`.
    """

    def __init__(self, streams: Dict[str, dict], head: dict,
                 **kwargs) -> None:
        if not streams:
            raise ValueError('MultiStreamS2IClassifier needs streams')
        names = normalize_modalities(list(streams))
        if len(set(names)) != len(names):
            raise ValueError(f'streams name a stream twice: {list(streams)}')
        for name, stream in streams.items():
            unknown = set(stream) - {'backbone', 'neck'}
            if 'backbone' not in stream or unknown:
                raise ValueError(
                    f'stream {name!r} must be dict(backbone=..., neck=...), '
                    f'got keys {sorted(stream)}')
        backbones = ModuleDict(
            {n: MODELS.build(s['backbone'])
             for n, s in zip(names, streams.values())})
        necks = {n: MODELS.build(s['neck'])
                 for n, s in zip(names, streams.values())
                 if s.get('neck') is not None}
        super().__init__(
            backbone=backbones,
            neck=ModuleDict(necks) if necks else None,
            head=head,
            **kwargs)
        self.streams = names

    def extract_feat(self, inputs: torch.Tensor,
                     stage: str = 'neck') -> Tuple:
        """Per-stream features of ``[B, C * num_streams, H, W]`` inputs.

        Args:
            inputs (Tensor): The streams' images stacked along channels.
            stage (str): ``'backbone'``: each stream's backbone outputs (a
                tuple per stream); ``'neck'``: each stream's last feature
                after its neck; ``'pre_logits'``: the head's input to its
                linear layer(s).

        Returns:
            tuple: One entry per stream (``'pre_logits'``: what the head's
            ``pre_logits`` returns).
        """
        if stage not in ('backbone', 'neck', 'pre_logits'):
            raise ValueError(f'Invalid output stage {stage!r}; choose from '
                             "'backbone', 'neck', 'pre_logits'")
        if inputs.dim() != 4 or inputs.shape[1] % len(self.streams):
            raise ValueError(
                f'{type(self).__name__} with streams {self.streams} takes '
                '[B, C * num_streams, H, W] images (the streams stacked '
                f'along the channels), got shape {tuple(inputs.shape)}')
        groups = inputs.chunk(len(self.streams), dim=1)
        feats = []
        for name, images in zip(self.streams, groups):
            out = self.backbone[name](images)
            if stage != 'backbone':
                if self.neck is not None and name in self.neck:
                    out = self.neck[name](out)
                out = out[-1]
            feats.append(out)
        feats = tuple(feats)
        return self.head.pre_logits(feats) if stage == 'pre_logits' else feats

    def get_layer_depth(self, param_name: str) -> Tuple[int, int]:
        """Depth of a parameter for layer-wise lr decay: a stream's
        parameters get their depth in that stream's backbone; necks and the
        head are last."""
        for name, backbone in self.backbone.items():
            prefix = f'backbone.{name}.'
            if param_name.startswith(prefix):
                return backbone.get_layer_depth(param_name, prefix)
        depths = [b.get_layer_depth('', 'backbone.')[1]
                  for b in self.backbone.values()]
        return max(depths) - 1, max(depths)
