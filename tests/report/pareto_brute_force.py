"""Independent, obviously-correct Pareto arithmetic for the tests: no code shared with
``hyperpower.optimize.pareto`` (pairwise dominance; hypervolume as the union of boxes counted
cell by cell on the grid of every point's coordinates)."""

from __future__ import annotations

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
    # every cell at once, one row per cell: its lower corner and its widths (numpy, where a
    # Python loop over the n^d cells took a second per 25-point front in 3-D)
    lowers = np.stack(np.meshgrid(*[a[:-1] for a in axes], indexing="ij"), axis=-1).reshape(-1, len(axes))
    widths = np.stack(np.meshgrid(*[np.diff(a) for a in axes], indexing="ij"), axis=-1).reshape(-1, len(axes))
    covered = np.zeros(len(lowers), dtype=bool)
    for p in points:
        covered |= np.all(p <= lowers, axis=1)
    return float(np.sum(np.prod(widths, axis=1)[covered]))


def worst_plus_tenth(values: np.ndarray) -> np.ndarray:
    """The documented default reference rule, written out: worst value + 10% of the range."""
    worst, best = values.max(axis=0), values.min(axis=0)
    return worst + 0.1 * np.where(worst > best, worst - best, np.where(worst != 0, np.abs(worst), 1.0))
