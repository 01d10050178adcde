"""Maximizing an acquisition over the (mixed, gridded) search space.

Gradient ascent is of little use on a space that is rounded to integer grids and one-hot
options, so the search is: score a scrambled Sobol set plus Gaussian neighbours of the best
observations, then refine the top few by rounds of ever smaller Gaussian perturbations
(a stochastic local search). Every point is snapped onto the grid before it is scored, skipped
if already taken, and, for hardware-aware methods, kept only when the a-priori models predict it
within budget, so the winner is always a trainable, feasible, new configuration.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from hyperpower.optimize.acquisition import Acquisition
from hyperpower.optimize.candidates import (
    NoFeasiblePoint, TakenPoints, gaussian_neighbours, sobol_points, uniform_points, unique_rows,
)
from hyperpower.space import SearchSpace

FeasibleMask = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Sizes of the acquisition search (defaults keep a suggestion well under a second)."""

    sobol_candidates: int = 1024
    neighbours_per_anchor: int = 64
    anchor_sigma: float = 0.05
    refine_starts: int = 5
    refine_rounds: int = 7
    refine_draws: int = 32
    refine_sigma: float = 0.1
    wide_search_rounds: int = 8
    wide_search_size: int = 4096


def _admissible(points: np.ndarray, feasible: FeasibleMask | None, taken: TakenPoints) -> np.ndarray:
    points = unique_rows(points)
    if len(points) == 0:
        return points
    mask = taken.mask_new(points)
    if feasible is not None and mask.any():
        mask[mask] = feasible(points[mask])
    return points[mask]


def _initial_candidates(
    space: SearchSpace, rng: np.random.Generator, settings: SearchSettings, anchors: np.ndarray,
    feasible: FeasibleMask | None, taken: TakenPoints,
) -> np.ndarray:
    """Sobol points and neighbours of the anchors; a wide uniform search when none is feasible."""
    pool = [sobol_points(space, settings.sobol_candidates, rng)]
    if len(anchors):
        pool.append(gaussian_neighbours(space, anchors, settings.anchor_sigma, settings.neighbours_per_anchor, rng))
    examined = np.vstack(pool)
    candidates = _admissible(examined, feasible, taken)
    rounds = 0
    while len(candidates) == 0 and rounds < settings.wide_search_rounds:
        batch = uniform_points(space, settings.wide_search_size, rng)
        examined = np.vstack([examined, batch])
        candidates = _admissible(batch, feasible, taken)
        rounds += 1
    if len(candidates) == 0:
        # every point is taken (a small grid) or infeasible: allow repeats of feasible points
        repeats = _admissible(examined, feasible, TakenPoints())
        if len(repeats) == 0:
            raise NoFeasiblePoint(examined)
        candidates = repeats
    return candidates


def maximize_acquisition(
    acquisition: Acquisition, space: SearchSpace, rng: np.random.Generator,
    settings: SearchSettings = SearchSettings(), feasible: FeasibleMask | None = None,
    taken: TakenPoints | None = None, anchors: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Best admissible grid point and its score.

    anchors: (k, dim) points worth searching around (the best observations so far).
    Raises NoFeasiblePoint when no candidate satisfies ``feasible`` even after a wide search.
    """
    taken = taken or TakenPoints()
    anchors = np.zeros((0, space.dim)) if anchors is None else np.atleast_2d(anchors)
    candidates = _initial_candidates(space, rng, settings, anchors, feasible, taken)
    scores = acquisition(candidates)
    order = np.argsort(-scores)[: settings.refine_starts]
    top_points, top_scores = candidates[order], scores[order]
    seen = TakenPoints(candidates)
    sigma = settings.refine_sigma
    for _ in range(settings.refine_rounds):
        draws = gaussian_neighbours(space, top_points, sigma, settings.refine_draws, rng)
        draws = _admissible(draws, feasible, taken)
        draws = draws[seen.mask_new(draws)] if len(draws) else draws
        if len(draws):
            seen.add(draws)
            top_points = np.vstack([top_points, draws])
            top_scores = np.concatenate([top_scores, acquisition(draws)])
            order = np.argsort(-top_scores)[: settings.refine_starts]
            top_points, top_scores = top_points[order], top_scores[order]
        sigma /= 2.0
    return top_points[0], float(top_scores[0])
