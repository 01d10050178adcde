"""Acquisition maximization over the snapped grid."""

from __future__ import annotations

import numpy as np

from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.search import maximize_acquisition
from hyperpower.space import SearchSpace, Variable


def test_finds_the_peak_of_a_smooth_acquisition() -> None:
    space = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0), Variable("y", "FLOAT", 0.0, 1.0)])
    target = np.array([0.3141, 0.7777])
    peak = lambda points: -np.sum((points - target) ** 2, axis=1)  # noqa: E731
    point, score = maximize_acquisition(peak, space, np.random.default_rng(0))
    assert np.linalg.norm(point - target) < 0.01
    assert score == peak(point[None])[0]


def test_winner_is_on_the_grid_feasible_and_new() -> None:
    space = SearchSpace([Variable("n", "INT", 1, 50), Variable("act", "ENUM", options=("a", "b", "c"))])
    favourite = space.to_unit({"n": 40, "act": "c"})
    score = lambda points: -np.sum((points - favourite) ** 2, axis=1)  # noqa: E731
    feasible = lambda points: np.array([space.from_unit(p)["n"] <= 30 for p in points])  # noqa: E731
    taken = TakenPoints(space.to_unit({"n": 30, "act": "c"}))
    point, _ = maximize_acquisition(score, space, np.random.default_rng(1), feasible=feasible, taken=taken)
    np.testing.assert_allclose(point, space.snap(point)[0])
    assert space.from_unit(point) == {"n": 29, "act": "c"}
