"""mmaction2's GCN backbones with the graph named by an s2i_mm format.

``STGCN`` and ``AAGCN`` are mmaction2's classes, unchanged except that
``graph_cfg=dict(layout=...)`` also takes an s2i_mm skeleton format, turned
into mmaction2's dict layout (:func:`s2i_mm.formats.gcn_graph_cfg`) before
``Graph`` is built; :class:`FormatGraphMixin` does the same for another
GCN. Why subclasses, and a config: see docs/models.md, "GCNs (mmaction2)
on any layout".
"""
import torch

from s2i_mm.compat import apply_registry_fixes

apply_registry_fixes()  # ``import mmaction.models`` fails without it
from mmaction.models.backbones import AAGCN as _MMActionAAGCN  # noqa: E402
from mmaction.models.backbones import STGCN as _MMActionSTGCN  # noqa: E402

from s2i_mm.formats import gcn_graph_cfg  # noqa: E402
from s2i_mm.registry import MODELS  # noqa: E402

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
