"""Visualisation: pictures of S2I images."""
from .s2i_figure import draw_s2i_figure, encode_modalities, save_figure

__all__ = ['draw_s2i_figure', 'encode_modalities', 'save_figure']
