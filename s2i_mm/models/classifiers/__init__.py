from .s2i_classifier import S2IClassifier

__all__ = ['S2IClassifier']
