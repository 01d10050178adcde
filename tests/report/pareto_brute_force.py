"""Independent, obviously-correct Pareto arithmetic for the tests: no code shared with
``hyperpower.optimize.pareto`` (pairwise dominance; hypervolume as the union of boxes counted
cell by cell on the grid of every point's coordinates)."""

from __future__ import annotations

import itertools

import numpy as np


def brute_front(points: np.ndarray) -> list[int]:
    """Indices of the rows no other row dominates (all objectives minimized)."""
    front = []
    for i, p in enumerate(points):
        if not any(np.all(q <= p) and np.any(q < p) for j, q in enumerate(points) if j != i):
            front.append(i)
    return front


def brute_hypervolume(points: np.ndarray, reference: np.ndarray) -> float:
    """Volume of the union of the boxes [p, reference]: each grid cell counts when some point
    lies at or below its lower corner in every objective."""
    points = np.array([p for p in points if np.all(p < reference)])
    if len(points) == 0:
        return 0.0
    axes = [np.unique(np.append(points[:, k], reference[k])) for k in range(points.shape[1])]
    volume = 0.0
    for cell in itertools.product(*[range(len(a) - 1) for a in axes]):
        lower = np.array([axes[k][c] for k, c in enumerate(cell)])
        if any(np.all(p <= lower) for p in points):
            volume += float(np.prod([axes[k][c + 1] - axes[k][c] for k, c in enumerate(cell)]))
    return volume


def worst_plus_tenth(values: np.ndarray) -> np.ndarray:
    """The documented default reference rule, written out: worst value + 10% of the range."""
    worst, best = values.max(axis=0), values.min(axis=0)
    return worst + 0.1 * np.where(worst > best, worst - best, np.where(worst != 0, np.abs(worst), 1.0))
