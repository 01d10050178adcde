"""Pareto geometry of several minimized objectives: dominance, non-dominated sorting, crowding
and hypervolume.

One module for the arithmetic that the multi-objective methods (EHVI, PABO), the schedulers'
non-dominated promotion, and the reports (``pareto``, ``export``'s ``pareto_rank``) all share, so
that "on the front" means the same thing everywhere. Every function takes an ``(n, m)`` array of
objective values, all minimized; callers negate what they maximize.

Hypervolume is exact: a sweep for two objectives (O(n log n)) and slicing along the last
objective beyond (Hypervolume by Slicing Objectives, While et al. 2006), which is fast enough
for the few hundred points of a tuning run in three or four objectives.
"""

from __future__ import annotations

import numpy as np

#: the default reference point lies this share of each objective's range past its worst value
REFERENCE_PADDING = 0.1


def _as_matrix(values: np.ndarray) -> np.ndarray:
    matrix = np.asarray(values, dtype=float)
    if matrix.ndim == 1:
        matrix = matrix.reshape(-1, 1) if matrix.size else matrix.reshape(0, 1)
    if matrix.ndim != 2:
        raise ValueError(f"objective values must be an (n, m) array, got shape {matrix.shape}")
    return matrix


def dominates(a: np.ndarray, b: np.ndarray) -> bool:
    """a is no worse than b in every objective and strictly better in one (minimization)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return bool(np.all(a <= b) and np.any(a < b))


#: rows compared at once by ``nondominated_mask`` (an (rows, n, m) temporary)
DOMINANCE_BLOCK_ELEMENTS = 1_000_000


def nondominated_mask(values: np.ndarray) -> np.ndarray:
    """True for each row no other row dominates; duplicates of a front point are all kept.
    All pairs are compared at once, a block of rows at a time (a loop over rows cost more in
    Python overhead than in arithmetic at the few hundred points of a run)."""
    matrix = _as_matrix(values)
    n, m = matrix.shape
    mask = np.ones(n, dtype=bool)
    block = max(1, DOMINANCE_BLOCK_ELEMENTS // max(n * m, 1))
    for start in range(0, n, block):
        rows = matrix[start:start + block, None, :]  # (b, 1, m)
        no_worse = np.all(matrix[None, :, :] <= rows, axis=2)  # [i, k]: row k no worse than row i
        better = np.any(matrix[None, :, :] < rows, axis=2)
        mask[start:start + block] = ~np.any(no_worse & better, axis=1)
    return mask


def pareto_ranks(values: np.ndarray) -> np.ndarray:
    """Non-dominated sorting (Deb et al. 2002): rank 0 is the front, rank k the front of what is
    left after removing ranks 0..k-1."""
    matrix = _as_matrix(values)
    ranks = np.full(len(matrix), -1, dtype=int)
    remaining = np.arange(len(matrix))
    rank = 0
    while len(remaining):
        front = nondominated_mask(matrix[remaining])
        ranks[remaining[front]] = rank
        remaining = remaining[~front]
        rank += 1
    return ranks


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance within one front: the sum over objectives of the normalized gap
    between each point's neighbours; the extremes of each objective get infinity, so a tie-break
    by larger distance keeps the front's ends and spreads the rest."""
    matrix = _as_matrix(values)
    n, m = matrix.shape
    distance = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(m):
        order = np.argsort(matrix[:, j], kind="stable")
        column = matrix[order, j]
        span = column[-1] - column[0]
        distance[order[0]] = distance[order[-1]] = np.inf
        if span > 0:
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def inside_reference(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """(n,) True for each row strictly better than ``reference`` in every objective: only such a
    point dominates part of the box below the reference, so only it can add volume.

    A row worse than or equal to the reference in some objective is *outside*: the hypervolume
    counts nothing for it (BoTorch, pymoo and Optuna count the same way), whatever its other
    objectives are. A given reference point may leave front points outside; the reports say how
    many rather than refuse it, so fronts compare against a fixed, published point."""
    matrix = _as_matrix(values)
    reference = np.asarray(reference, dtype=float).reshape(-1)
    if matrix.size and matrix.shape[1] != len(reference):
        raise ValueError(f"reference has {len(reference)} objectives, values have {matrix.shape[1]}")
    return np.all(matrix < reference, axis=1)


def _dominating_reference(matrix: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """The rows strictly better than the reference in every objective: only they add volume."""
    return matrix[inside_reference(matrix, reference)]


def _hypervolume_2d(points: np.ndarray, reference: np.ndarray) -> float:
    order = np.lexsort((points[:, 1], points[:, 0]))
    volume, best_second = 0.0, reference[1]
    for first, second in points[order]:
        if second < best_second:
            volume += (reference[0] - first) * (best_second - second)
            best_second = second
    return float(volume)


def _hypervolume_sliced(points: np.ndarray, reference: np.ndarray) -> float:
    if len(points) == 0:
        return 0.0
    if points.shape[1] == 1:
        return float(reference[0] - points[:, 0].min())
    if points.shape[1] == 2:
        return _hypervolume_2d(points, reference)
    order = np.argsort(points[:, -1], kind="stable")
    ordered = points[order]
    levels = np.append(ordered[:, -1], reference[-1])
    volume = 0.0
    for k in range(len(ordered)):
        depth = levels[k + 1] - levels[k]
        if depth <= 0:
            continue
        slice_points = ordered[: k + 1, :-1]
        slice_points = slice_points[nondominated_mask(slice_points)]
        volume += depth * _hypervolume_sliced(slice_points, reference[:-1])
    return float(volume)


def hypervolume(values: np.ndarray, reference: np.ndarray) -> float:
    """The volume of {y <= reference : some row of ``values`` is <= y}, exact: the part of the
    box below ``reference`` the points dominate. Points outside the box (not strictly better than
    the reference in every objective, ``inside_reference``) add nothing."""
    matrix = _as_matrix(values)
    reference = np.asarray(reference, dtype=float).reshape(-1)
    points = _dominating_reference(matrix, reference)
    if len(points) == 0:
        return 0.0
    return _hypervolume_sliced(points[nondominated_mask(points)], reference)


def hypervolume_improvement(front: np.ndarray, candidate: np.ndarray, reference: np.ndarray) -> float:
    """How much volume ``candidate`` (one point) adds to ``front``: zero when something dominates it."""
    front = _as_matrix(front)
    candidate = np.asarray(candidate, dtype=float).reshape(1, -1)
    base = hypervolume(front, reference) if len(front) else 0.0
    return hypervolume(np.vstack([front, candidate]) if len(front) else candidate, reference) - base


def default_reference(values: np.ndarray) -> np.ndarray:
    """The stated default reference point: each objective's worst value plus 10% of its range
    (10% of its magnitude, or 0.1 when the range is zero), so every front point adds volume."""
    matrix = _as_matrix(values)
    if len(matrix) == 0:
        raise ValueError("a reference point needs at least one point")
    worst, best = matrix.max(axis=0), matrix.min(axis=0)
    span = worst - best
    fallback = np.where(np.abs(worst) > 0, np.abs(worst), 1.0)
    return worst + REFERENCE_PADDING * np.where(span > 0, span, fallback)
