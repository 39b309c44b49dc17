from .format_gcn import AAGCN, STGCN

__all__ = ['AAGCN', 'STGCN']
