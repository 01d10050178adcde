"""Model-free methods: Rand (uniform) and Rand-Walk (N(x_best, sigma0^2) in the unit cube).

The hardware-aware forms reject proposals the a-priori models predict to break a budget
(``feasible``), so no training time goes to them (paper §3.5); the unaware forms pass
``feasible=None`` and learn about violations only after the job. Both skip points already in
the experiment (``taken``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from hyperpower.optimize.candidates import NoFeasiblePoint, TakenPoints, gaussian_neighbours, uniform_points

FeasibleMask = Callable[[np.ndarray], np.ndarray]
BATCH = 512
MAX_BATCHES = 40


def _accept(
    draw: Callable[[int], np.ndarray], count: int, feasible: FeasibleMask | None, taken: TakenPoints,
    max_batches: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw batches until ``count`` new acceptable points are found (or batches run out).

    Returns (accepted (<= count, dim), every point examined (n, dim)).
    """
    accepted: list[np.ndarray] = []
    examined: list[np.ndarray] = []
    seen = TakenPoints()
    for _ in range(max_batches):
        batch = draw(BATCH)
        examined.append(batch)
        mask = np.ones(len(batch), dtype=bool) if feasible is None else feasible(batch)
        for point in batch[mask]:
            if taken.mask_new(point)[0] and seen.mask_new(point)[0]:
                accepted.append(point)
                seen.add(point)
                if len(accepted) == count:
                    return np.array(accepted), np.vstack(examined)
    tried = np.vstack(examined)
    return np.array(accepted).reshape(-1, tried.shape[1]), tried


def _fill_with_repeats(points: np.ndarray, tried: np.ndarray, feasible: FeasibleMask | None, count: int) -> np.ndarray:
    """When a small grid is exhausted, repeat feasible points rather than fail; raise
    NoFeasiblePoint when nothing at all was feasible."""
    if len(points) >= count:
        return points[:count]
    pool = tried if feasible is None else tried[feasible(tried)]
    if len(pool) == 0:
        raise NoFeasiblePoint(tried)
    return np.vstack([points, pool[: count - len(points)]])


def random_search(
    space, rng: np.random.Generator, count: int, feasible: FeasibleMask | None = None,
    taken: TakenPoints | None = None,
) -> np.ndarray:
    """(count, dim) uniform grid points, new and (when ``feasible`` is given) predicted feasible."""
    taken = taken or TakenPoints()
    points, tried = _accept(lambda n: uniform_points(space, n, rng), count, feasible, taken, MAX_BATCHES)
    return _fill_with_repeats(points, tried, feasible, count)


def random_walk(
    space, rng: np.random.Generator, center: np.ndarray, sigma: float, count: int,
    feasible: FeasibleMask | None = None, taken: TakenPoints | None = None,
) -> np.ndarray:
    """(count, dim) draws of N(center, sigma^2 I), clipped and snapped, new and feasible.

    If the neighbourhood holds no acceptable point (a tiny sigma on a coarse grid, or a best
    point pressed against a budget), sigma doubles up to the width of the cube; after that
    the walk falls back to uniform search, which is what a random walk tends to anyway.
    """
    taken = taken or TakenPoints()
    chosen = np.zeros((0, space.dim))
    width = float(sigma)
    while len(chosen) < count and width <= 2.0:
        extra, _ = _accept(
            lambda n: gaussian_neighbours(space, center, width, n, rng), count - len(chosen),
            feasible, taken.union(chosen), max_batches=4,
        )
        chosen = np.vstack([chosen, extra])
        width *= 2.0
    if len(chosen) < count:
        extra = random_search(space, rng, count - len(chosen), feasible, taken.union(chosen))
        chosen = np.vstack([chosen, extra])
    return chosen
