from .multi_stream import MultiStreamS2IClassifier
from .s2i_classifier import S2IClassifier

__all__ = ['MultiStreamS2IClassifier', 'S2IClassifier']
