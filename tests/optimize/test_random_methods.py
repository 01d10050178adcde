"""Rand and Rand-Walk: rejection against the models, staying near the walk's center."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.optimize.candidates import NoFeasiblePoint, TakenPoints
from hyperpower.optimize.random_methods import random_search, random_walk
from hyperpower.space import SearchSpace, Variable

SPACE = SearchSpace([Variable("a", "INT", 0, 20), Variable("b", "FLOAT", 0.0, 1.0)])


def budget_mask(points: np.ndarray) -> np.ndarray:
    """Feasible when the decoded INT 'a' is at most 5 (about 27% of the space)."""
    return np.array([SPACE.from_unit(p)["a"] <= 5 for p in points])


@pytest.mark.parametrize("seed", range(5))
def test_aware_random_search_only_returns_feasible_new_points(seed: int) -> None:
    rng = np.random.default_rng(seed)
    taken_points = SPACE.sample(rng, 5)
    points = random_search(SPACE, rng, 30, budget_mask, TakenPoints(taken_points))
    assert points.shape == (30, 2)
    assert budget_mask(points).all()
    assert TakenPoints(taken_points).mask_new(points).all()
    assert len(np.unique(points, axis=0)) == 30


def test_unaware_random_search_covers_the_space() -> None:
    points = random_search(SPACE, np.random.default_rng(0), 200)
    assert not budget_mask(points).all()
    np.testing.assert_allclose(points, SPACE.snap(points))


def test_random_search_raises_when_nothing_is_feasible() -> None:
    with pytest.raises(NoFeasiblePoint) as caught:
        random_search(SPACE, np.random.default_rng(0), 1, lambda p: np.zeros(len(p), dtype=bool))
    assert len(caught.value.tried) > 1000


def test_random_walk_stays_near_center_and_respects_models() -> None:
    rng = np.random.default_rng(1)
    center = SPACE.to_unit({"a": 4, "b": 0.5})
    points = random_walk(SPACE, rng, center, 0.05, 40, budget_mask)
    assert budget_mask(points).all()
    assert np.abs(points[:, 1] - 0.5).max() < 0.3
    assert np.median(np.abs(points[:, 1] - 0.5)) < 0.06


def test_random_walk_widens_when_the_neighbourhood_is_exhausted() -> None:
    space = SearchSpace([Variable("a", "INT", 0, 9)])
    center = space.to_unit({"a": 5})
    taken = TakenPoints(np.array([space.to_unit({"a": a}) for a in (4, 5, 6)]))
    points = random_walk(space, np.random.default_rng(2), center, 0.01, 3, taken=taken)
    decoded = sorted(space.from_unit(p)["a"] for p in points)
    assert len(set(decoded)) == 3 and not {4, 5, 6} & set(decoded)
