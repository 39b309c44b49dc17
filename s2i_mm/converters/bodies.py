"""Choosing which bodies of a multi-person recording to keep.

Drops body slots that are zero in every frame and keeps the
``max_bodies`` with the most motion energy, most energetic first (the rule
of the ST-GCN / CTR-GCN / pyskl converters); see docs/converters.md, "NTU
RGB+D 60 / 120".
"""
import numpy as np

__all__ = ['motion_energy', 'select_bodies']


def motion_energy(body: np.ndarray) -> float:
    """Motion energy of one body track.

    Args:
        body (np.ndarray): ``[T, V, 3]`` coordinates, all-zero where the
            body is absent.

    Returns:
        float: Sum over channels of the standard deviation over present
        frames and joints; 0 for a body that is never present.
    """
    present = np.any(body != 0, axis=(1, 2))
    if not present.any():
        return 0.0
    return float(body[present].reshape(-1, body.shape[-1]).std(axis=0).sum())


def select_bodies(bodies: np.ndarray, max_bodies: int = 2) -> np.ndarray:
    """Keep the ``max_bodies`` most energetic non-empty bodies.

    Args:
        bodies (np.ndarray): ``[B, T, V, C]`` body tracks.
        max_bodies (int): How many to keep at most. Defaults to 2.

    Returns:
        np.ndarray: ``[M, T, V, C]`` with ``M <= max_bodies``, most
        energetic first; ``M == 0`` when every body is empty. Ties keep the
        recording order.
    """
    if max_bodies < 1:
        raise ValueError(f'max_bodies must be at least 1, got {max_bodies}')
    nonempty = [b for b in range(bodies.shape[0]) if np.any(bodies[b] != 0)]
    energy = {b: motion_energy(bodies[b]) for b in nonempty}
    ranked = sorted(nonempty, key=lambda b: -energy[b])  # stable for ties
    return bodies[ranked[:max_bodies]]
