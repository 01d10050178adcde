"""Maximizing an acquisition over the (mixed, gridded) search space.

Three regimes, chosen from the space alone (so every model-based strategy gets the same one):

* **Exact search** (at most ``SearchSettings.exact_limit`` configurations, every variable INT or
  ENUM: NAS-Bench-201's 15,625 cells): every configuration is scored, ``exact_block`` at a time
  so memory stays bounded, and the winner is the acquisition's exact arg-max over what may be
  suggested.
* **Sampled search** (anything larger, or with a FLOAT): score a scrambled Sobol set plus
  Gaussian neighbours of the best observations, then refine the top few by rounds of ever
  smaller Gaussian perturbations (a stochastic local search); then
  - a **local search over one-variable changes** (``grid.one_variable_moves``: every other
    option of an ENUM, a ladder of values of an INT) from the best points, climbing while a
    move improves, where the space has discrete variables;
  - a **gradient polish** (``polish``: L-BFGS-B on the log acquisition) of the best points along
    their continuous coordinates, where the space has FLOAT variables.

Every point is snapped onto the grid before it is scored, skipped if already taken, and, for
hardware-aware methods, kept only when the a-priori models predict it within budget, so the
winner is always a trainable, feasible, new configuration.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from hyperpower.optimize.acquisition import Acquisition
from hyperpower.optimize.candidates import (
    NoFeasiblePoint, TakenPoints, gaussian_neighbours, sobol_points, uniform_points, unique_rows,
)
from hyperpower.optimize.grid import configuration_count, continuous_columns, enumerate_configurations, one_variable_moves
from hyperpower.optimize.polish import polish
from hyperpower.space import SearchSpace

FeasibleMask = Callable[[np.ndarray], np.ndarray]


@dataclasses.dataclass(frozen=True)
class SearchSettings:
    """Sizes of the acquisition search (defaults keep a suggestion well under a second).

    exact_limit: spaces with at most this many configurations (and no FLOAT) are searched
    exhaustively, exact_block candidates per acquisition call; local_search_rounds: climbing
    rounds of one-variable changes; polish_iterations: L-BFGS-B iterations of the gradient
    polish (0 switches it off); polish_starts: how many of the best points are polished."""

    sobol_candidates: int = 1024
    neighbours_per_anchor: int = 64
    anchor_sigma: float = 0.05
    refine_starts: int = 5
    refine_rounds: int = 7
    refine_draws: int = 32
    refine_sigma: float = 0.1
    wide_search_rounds: int = 8
    wide_search_size: int = 4096
    exact_limit: int = 50_000
    exact_block: int = 4096
    local_search_rounds: int = 10
    polish_iterations: int = 50
    polish_starts: int = 5


def admissible_points(points: np.ndarray, feasible: FeasibleMask | None, taken: TakenPoints) -> np.ndarray:
    """The distinct rows of ``points`` that may be suggested: not taken, within the models' budgets."""
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
    candidates = admissible_points(examined, feasible, taken)
    rounds = 0
    while len(candidates) == 0 and rounds < settings.wide_search_rounds:
        batch = uniform_points(space, settings.wide_search_size, rng)
        examined = np.vstack([examined, batch])
        candidates = admissible_points(batch, feasible, taken)
        rounds += 1
    if len(candidates) == 0:
        # every point is taken (a small grid) or infeasible: allow repeats of feasible points
        repeats = admissible_points(examined, feasible, TakenPoints())
        if len(repeats) == 0:
            raise NoFeasiblePoint(examined)
        candidates = repeats
    return candidates


def _exact_search(acquisition: Acquisition, space: SearchSpace, settings: SearchSettings,
                  feasible: FeasibleMask | None, taken: TakenPoints) -> tuple[np.ndarray, float]:
    """The arg-max over every admissible configuration (first one on ties); when every
    feasible configuration is taken, over the feasible ones (a repeat, as the sampled search)."""
    best_point, best_score = None, -np.inf
    repeat_point, repeat_score = None, -np.inf
    examined = 0
    for block in enumerate_configurations(space, settings.exact_block):
        examined += len(block)
        allowed = np.ones(len(block), dtype=bool) if feasible is None else np.asarray(feasible(block), dtype=bool)
        new = allowed & taken.mask_new(block)
        if new.any():
            scores = acquisition(block[new])
            index = int(np.argmax(scores))
            if scores[index] > best_score:
                best_point, best_score = block[new][index], float(scores[index])
        elif best_point is None and allowed.any():
            scores = acquisition(block[allowed])
            index = int(np.argmax(scores))
            if scores[index] > repeat_score:
                repeat_point, repeat_score = block[allowed][index], float(scores[index])
    if best_point is not None:
        return best_point, best_score
    if repeat_point is None:
        raise NoFeasiblePoint(np.vstack(list(enumerate_configurations(space, settings.exact_block))))
    return repeat_point, repeat_score


def admissible_configurations(space: SearchSpace, settings: SearchSettings, feasible: FeasibleMask | None,
                              taken: TakenPoints) -> np.ndarray:
    """(n, dim) every configuration of a countable space that may be suggested (new, and within
    the models' budgets); the feasible ones again when every one is taken, as the searches do.
    For strategies that score a whole space at once (PABO's agents); at most ``exact_limit`` rows."""
    blocks, repeats = [], []
    for block in enumerate_configurations(space, settings.exact_block):
        allowed = np.ones(len(block), dtype=bool) if feasible is None else np.asarray(feasible(block), dtype=bool)
        new = allowed & taken.mask_new(block)
        blocks.append(block[new])
        repeats.append(block[allowed])
    admissible = np.vstack(blocks)
    if len(admissible):
        return admissible
    repeats = np.vstack(repeats)
    if len(repeats) == 0:
        raise NoFeasiblePoint(np.vstack(list(enumerate_configurations(space, settings.exact_block))))
    return repeats


def exact_search_applies(space: SearchSpace, settings: SearchSettings) -> bool:
    """A space of INT and ENUM variables small enough to score every configuration."""
    count = configuration_count(space)
    return count is not None and count <= settings.exact_limit


def initial_candidates(space: SearchSpace, rng: np.random.Generator, settings: SearchSettings, anchors: np.ndarray,
                       feasible: FeasibleMask | None, taken: TakenPoints) -> np.ndarray:
    """The sampled search's first candidates (Sobol points and neighbours of ``anchors``,
    admissible; a wide search, then repeats, when none is): for strategies that score a set."""
    return _initial_candidates(space, rng, settings, np.atleast_2d(anchors).reshape(-1, space.dim), feasible, taken)


class _Leaders:
    """The best few points found so far and their scores, best first."""

    def __init__(self, points: np.ndarray, scores: np.ndarray, size: int) -> None:
        self.size = size
        order = np.argsort(-scores)[:size]
        self.points, self.scores = points[order], scores[order]

    def offer(self, points: np.ndarray, scores: np.ndarray) -> bool:
        """Merge in new points; True when the best one changed."""
        if len(points) == 0:
            return False
        previous = self.scores[0]
        merged_points, merged_scores = np.vstack([self.points, points]), np.concatenate([self.scores, scores])
        order = np.argsort(-merged_scores)[: self.size]
        self.points, self.scores = merged_points[order], merged_scores[order]
        return bool(self.scores[0] > previous)


def _refine(acquisition: Acquisition, space: SearchSpace, rng: np.random.Generator, settings: SearchSettings,
            feasible: FeasibleMask | None, taken: TakenPoints, leaders: _Leaders, seen: TakenPoints) -> None:
    """Rounds of Gaussian draws around the leaders, the step halving each round."""
    sigma = settings.refine_sigma
    for _ in range(settings.refine_rounds):
        draws = gaussian_neighbours(space, leaders.points, sigma, settings.refine_draws, rng)
        draws = admissible_points(draws, feasible, taken)
        draws = draws[seen.mask_new(draws)] if len(draws) else draws
        if len(draws):
            seen.add(draws)
            leaders.offer(draws, acquisition(draws))
        sigma /= 2.0


def _local_search(acquisition: Acquisition, space: SearchSpace, settings: SearchSettings,
                  feasible: FeasibleMask | None, taken: TakenPoints, leaders: _Leaders, seen: TakenPoints) -> None:
    """Climb by one-variable changes of the leaders while one of them improves the best."""
    for _ in range(settings.local_search_rounds):
        moves = np.vstack([one_variable_moves(space, point) for point in leaders.points])
        moves = admissible_points(moves, feasible, taken) if len(moves) else moves
        moves = moves[seen.mask_new(moves)] if len(moves) else moves
        if len(moves) == 0:
            return
        seen.add(moves)
        if not leaders.offer(moves, acquisition(moves)):
            return


def _polish(acquisition: Acquisition, space: SearchSpace, settings: SearchSettings,
            feasible: FeasibleMask | None, taken: TakenPoints, leaders: _Leaders) -> None:
    """Gradient polish of the leaders' continuous coordinates; a polished point joins the
    leaders only when it is new (a polish can converge onto an observation)."""
    columns = continuous_columns(space)
    if len(columns) == 0 or settings.polish_iterations <= 0:
        return
    starts = leaders.points[: settings.polish_starts]
    points, scores = polish(acquisition, starts, columns, feasible, settings.polish_iterations)
    new = taken.mask_new(points)
    leaders.offer(points[new], scores[new])


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
    if exact_search_applies(space, settings):
        return _exact_search(acquisition, space, settings, feasible, taken)
    anchors = np.zeros((0, space.dim)) if anchors is None else np.atleast_2d(anchors)
    candidates = _initial_candidates(space, rng, settings, anchors, feasible, taken)
    leaders = _Leaders(candidates, acquisition(candidates), settings.refine_starts)
    seen = TakenPoints(candidates)
    _refine(acquisition, space, rng, settings, feasible, taken, leaders, seen)
    _local_search(acquisition, space, settings, feasible, taken, leaders, seen)
    _polish(acquisition, space, settings, feasible, taken, leaders)
    return leaders.points[0], float(leaders.scores[0])
