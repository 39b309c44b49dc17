"""Synthetic skeleton actions: procedural motion on the ntu25 tree."""
from .actions import ACTIONS, CLASSES, TWO_PERSON
from .generator import JOINT_ALIASES, generate, layout_indices

__all__ = [
    'ACTIONS', 'CLASSES', 'TWO_PERSON', 'JOINT_ALIASES', 'generate',
    'layout_indices'
]
