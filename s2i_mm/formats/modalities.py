"""The names of the skeleton modalities (streams): joint, bone, motion."""
from typing import Sequence, Tuple, Union

__all__ = ['MODALITIES', 'normalize_modalities']

#: Accepted modality names; long names are aliases of the short ones.
MODALITIES = {
    'j': 'j', 'joint': 'j',
    'b': 'b', 'bone': 'b',
    'm': 'm', 'motion': 'm', 'jm': 'm', 'joint_motion': 'm',
    'bm': 'bm', 'bone_motion': 'bm',
}


def normalize_modalities(
        modalities: Union[str, Sequence[str]]) -> Tuple[str, ...]:
    """The short names of ``modalities``: ``'bone'`` -> ``('b', )``,
    ``('joint', 'm')`` -> ``('j', 'm')``.

    Raises:
        ValueError: If a name is not in :data:`MODALITIES`, or none is
            given.
    """
    if isinstance(modalities, str):
        modalities = (modalities, )
    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown or not modalities:
        raise ValueError(
            f'Unknown modalities {unknown or list(modalities)}; choose from '
            f'{sorted(MODALITIES)}.')
    return tuple(MODALITIES[m] for m in modalities)
