"""mmaction2's GCN backbones with the graph named by an s2i_mm format.

``STGCN`` and ``AAGCN`` here are mmaction2's classes, unchanged, except
that ``graph_cfg=dict(layout=...)`` also takes an s2i_mm skeleton format
(a registered name such as ``'kinect20'``, a plugin's, or a spec file):
it becomes mmaction2's own dict layout (bones and centre of the format,
:func:`s2i_mm.formats.gcn_graph_cfg`) before mmaction2's ``Graph`` is
built. Why subclasses: mmaction2's ``Graph`` takes only its three names
or a dict, and an old-style config cannot call Python to build the dict;
a subclass that rewrites one argument keeps every upstream module, weight
name and checkpoint as they are, and patches nothing upstream.
``mmaction.STGCN`` stays mmaction2's own (it rejects s2i_mm names).

In a config (default scope ``s2i_mm``) the recognizer, head, loss and data
preprocessor are mmaction2's, so the model builds in mmaction2's scope and
only the backbone in ours::

    model = dict(
        _scope_='mmaction',
        type='RecognizerGCN',
        backbone=dict(_scope_='s2i_mm', type='STGCN',
                      graph_cfg=dict(layout='kinect20', mode='spatial')),
        cls_head=dict(type='GCNHead', num_classes=10, in_channels=256))

Another GCN taking ``graph_cfg`` gets the same by subclassing it with
:class:`FormatGraphMixin` first.
"""
import torch
from mmaction.models.backbones import AAGCN as _MMActionAAGCN
from mmaction.models.backbones import STGCN as _MMActionSTGCN

from s2i_mm.formats import gcn_graph_cfg
from s2i_mm.registry import MODELS

__all__ = ['AAGCN', 'FormatGraphMixin', 'STGCN']


class FormatGraphMixin:
    """Resolve ``graph_cfg.layout`` as an s2i_mm format before the GCN is
    built, and name the layout when an input's joint count differs from
    the graph's (instead of a batch-norm size error deep inside)."""

    def __init__(self, graph_cfg: dict, *args, **kwargs) -> None:
        super().__init__(gcn_graph_cfg(graph_cfg), *args, **kwargs)
        #: the layout as the config named it (a format name, a spec path)
        self.graph_layout = dict(graph_cfg).get('layout')

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x``: ``[N, M, T, V, C]``, ``V`` the graph's node count."""
        if x.dim() != 5 or x.shape[3] != self.graph.num_node:
            layout = self.graph_layout
            name = layout if isinstance(layout, str) else 'given'
            raise ValueError(
                f'{type(self).__name__} input has shape {tuple(x.shape)} '
                f'(N, M, T, V, C) but the {name!r} graph layout has '
                f'{self.graph.num_node} joints: the model\'s '
                'graph_cfg.layout and the data\'s skeleton format differ.')
        return super().forward(x)


@MODELS.register_module()
class STGCN(FormatGraphMixin, _MMActionSTGCN):
    """mmaction2's ``STGCN`` (also STGCN++: ``gcn_adaptive='init'``,
    ``gcn_with_res=True``, ``tcn_type='mstcn'``); ``graph_cfg.layout`` may
    be an s2i_mm format (see the module docstring)."""


@MODELS.register_module()
class AAGCN(FormatGraphMixin, _MMActionAAGCN):
    """mmaction2's ``AAGCN``; ``graph_cfg.layout`` may be an s2i_mm format
    (see the module docstring)."""
