"""Univariate slice sampling (Neal, 2003) with stepping out, one coordinate at a time.

Spearmint integrates the GP hyper-parameters with this sampler: it needs no tuning beyond a
rough step width per coordinate, never rejects a move, and copes with the skewed, heavy-tailed
posteriors of length scales. Pure numpy; the target is any ``log_density(vector) -> float``
(return ``-inf`` outside the support).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

LogDensity = Callable[[np.ndarray], float]
MAX_SHRINKS = 60


def _slice_coordinate(
    log_density: LogDensity, state: np.ndarray, current: float, index: int,
    width: float, rng: np.random.Generator, max_steps_out: int,
) -> tuple[np.ndarray, float]:
    """One slice move of ``state[index]``; returns the new state and its log density."""
    level = current - rng.exponential()
    origin = state[index]

    def density_at(value: float) -> float:
        trial = state.copy()
        trial[index] = value
        return log_density(trial)

    lower = origin - width * rng.random()
    upper = lower + width
    steps_left = int(max_steps_out * rng.random())
    steps_right = max_steps_out - 1 - steps_left
    while steps_left > 0 and density_at(lower) > level:
        lower -= width
        steps_left -= 1
    while steps_right > 0 and density_at(upper) > level:
        upper += width
        steps_right -= 1
    for _ in range(MAX_SHRINKS):
        value = lower + (upper - lower) * rng.random()
        value_density = density_at(value)
        if value_density > level:
            new_state = state.copy()
            new_state[index] = value
            return new_state, value_density
        if value < origin:
            lower = value
        else:
            upper = value
    return state, current


def slice_sweep(
    log_density: LogDensity, state: np.ndarray, rng: np.random.Generator, widths: np.ndarray,
    current: float | None = None, max_steps_out: int = 10,
) -> tuple[np.ndarray, float]:
    """Update every coordinate once, in random order. state: (p,); widths: (p,) step widths."""
    state = np.asarray(state, dtype=float).copy()
    current = log_density(state) if current is None else current
    if not math.isfinite(current):
        raise ValueError("slice sampling must start where the log density is finite")
    for index in rng.permutation(len(state)):
        state, current = _slice_coordinate(log_density, state, current, int(index), float(widths[index]), rng, max_steps_out)
    return state, current


def sample_chain(
    log_density: LogDensity, initial: np.ndarray, rng: np.random.Generator, widths: np.ndarray,
    samples: int, thinning: int = 1, burn_in: int = 0,
) -> np.ndarray:
    """Run ``burn_in`` discarded sweeps, then keep one state every ``thinning`` sweeps.

    Returns (samples, p); the last row is where a warm-started chain should continue from.
    """
    state = np.asarray(initial, dtype=float)
    current = log_density(state)
    for _ in range(burn_in):
        state, current = slice_sweep(log_density, state, rng, widths, current)
    kept = []
    for _ in range(samples):
        for _ in range(max(thinning, 1)):
            state, current = slice_sweep(log_density, state, rng, widths, current)
        kept.append(state)
    return np.array(kept)
