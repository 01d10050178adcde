"""Acquisition maximization over the snapped grid."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from hyperpower.optimize.candidates import NoFeasiblePoint, TakenPoints
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


# -- exact search of small discrete spaces, local search, gradient polish (issue 25) -----------
from hyperpower.optimize.acquisition import SampleAveragedEI  # noqa: E402
from hyperpower.optimize.ensemble import GaussianProcessEnsemble, MCMCSettings  # noqa: E402
from hyperpower.optimize.grid import enumerate_configurations, one_variable_moves  # noqa: E402
from hyperpower.optimize.search import SearchSettings  # noqa: E402

DISCRETE = SearchSpace([
    Variable("units", "INT", 1, 12), Variable("act", "ENUM", options=("relu", "tanh", "elu", "gelu")),
    Variable("ops", "ENUM", options=("none", "conv", "pool"), size=3),
])  # 12 x 4 x 27 = 1,296 configurations


def fitted_ei(space: SearchSpace, seed: int, observations: int = 12):
    """EI of a GP ensemble fitted to a bumpy function of the encoded point: a real acquisition."""
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal(space.dim)
    points = space.sample(rng, observations)
    values = np.sin(3 * points @ weights) + 0.1 * rng.standard_normal(observations)
    ensemble = GaussianProcessEnsemble(rng, settings=MCMCSettings(samples=3, burn_in=10)).fit(points, values)
    return SampleAveragedEI(ensemble, np.full(len(ensemble.members), values.min())), points


def brute_force(acquisition, space: SearchSpace, feasible=None, taken: TakenPoints | None = None) -> tuple[np.ndarray, float]:
    """The maximum over every configuration, from the variables' raw values (itertools)."""
    import itertools

    axes = []
    for variable in space.variables:
        values = list(variable.options) if variable.type.value == "ENUM" else list(range(variable.min, variable.max + 1))
        axes.append([list(c) for c in itertools.product(values, repeat=variable.size)] if variable.size > 1 else values)
    every = np.array([space.to_unit(dict(zip(space.names, combo))) for combo in itertools.product(*axes)])
    keep = np.ones(len(every), dtype=bool) if taken is None else taken.mask_new(every)
    if feasible is not None:
        keep &= feasible(every)
    scores = acquisition(every[keep])
    return every[keep][int(np.argmax(scores))], float(scores.max())


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("block", [4096, 97])
def test_exact_search_returns_the_brute_force_argmax(seed: int, block: int) -> None:
    acquisition, observed = fitted_ei(DISCRETE, seed)
    feasible = lambda points: np.array([DISCRETE.from_unit(p)["units"] <= 9 for p in points])  # noqa: E731
    taken = TakenPoints(observed)
    expected_point, expected_score = brute_force(acquisition, DISCRETE, feasible, taken)
    settings = SearchSettings(exact_block=block)
    point, score = maximize_acquisition(acquisition, DISCRETE, np.random.default_rng(seed), settings, feasible, taken)
    assert score == pytest.approx(expected_score, rel=1e-12)
    assert float(acquisition(point[None])[0]) == pytest.approx(expected_score, rel=1e-12)
    assert feasible(point[None])[0] and taken.mask_new(point)[0]


def test_exact_search_beats_the_sampled_search_it_replaces() -> None:
    """Over 6 fitted acquisitions the sampled search (forced by exact_limit 0) misses the arg-max
    at least once; the exact search never does."""
    misses = 0
    for seed in range(6):
        acquisition, observed = fitted_ei(DISCRETE, 10 + seed)
        _, best = brute_force(acquisition, DISCRETE)
        _, exact = maximize_acquisition(acquisition, DISCRETE, np.random.default_rng(seed))
        _, sampled = maximize_acquisition(acquisition, DISCRETE, np.random.default_rng(seed),
                                          SearchSettings(exact_limit=0, local_search_rounds=0, sobol_candidates=64))
        assert exact == pytest.approx(best, rel=1e-12)
        misses += sampled < best * (1 - 1e-9)
    assert misses >= 1


def test_exact_search_repeats_a_feasible_point_when_every_one_is_taken() -> None:
    space = SearchSpace([Variable("n", "INT", 1, 4)])
    every = np.vstack(list(enumerate_configurations(space, 10)))
    score = lambda points: points[:, 0]  # noqa: E731
    point, _ = maximize_acquisition(score, space, np.random.default_rng(0), taken=TakenPoints(every))
    assert space.from_unit(point) == {"n": 4}
    with pytest.raises(NoFeasiblePoint):
        maximize_acquisition(score, space, np.random.default_rng(0), feasible=lambda p: np.zeros(len(p), dtype=bool))


def test_beyond_the_exact_limit_the_winner_is_a_local_optimum_of_one_variable_changes() -> None:
    acquisition, observed = fitted_ei(DISCRETE, 4)
    taken = TakenPoints(observed)
    settings = SearchSettings(exact_limit=100, sobol_candidates=32, neighbours_per_anchor=4, refine_rounds=1)
    point, score = maximize_acquisition(acquisition, DISCRETE, np.random.default_rng(0), settings, taken=taken)
    moves = one_variable_moves(DISCRETE, point)
    moves = moves[taken.mask_new(moves)]
    assert acquisition(moves).max() <= score
    _, without = maximize_acquisition(acquisition, DISCRETE, np.random.default_rng(0),
                                      dataclasses.replace(settings, local_search_rounds=0), taken=taken)
    assert score >= without


def test_gradient_polish_pins_a_smooth_peak_to_the_last_digits() -> None:
    space = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0), Variable("y", "FLOAT", 0.0, 1.0)])
    target = np.array([0.3141, 0.7777])
    peak = lambda points: np.exp(-40 * np.sum((points - target) ** 2, axis=1))  # noqa: E731
    point, _ = maximize_acquisition(peak, space, np.random.default_rng(0))
    assert np.abs(point - target).max() < 1e-5
    rough, _ = maximize_acquisition(peak, space, np.random.default_rng(0), SearchSettings(polish_iterations=0))
    assert np.abs(rough - target).max() > 1e-5  # what the sampled search alone gets (7.8e-5 here)


def test_polish_keeps_to_the_hard_filter_and_leaves_discrete_coordinates_alone() -> None:
    space = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0), Variable("act", "ENUM", options=("a", "b", "c"))])
    rising = lambda points: np.exp(3 * points[:, 0]) * (1 + points[:, 2])  # noqa: E731  (best: x high, act "b")
    feasible = lambda points: points[:, 0] <= 0.6  # noqa: E731
    point, _ = maximize_acquisition(rising, space, np.random.default_rng(2), feasible=feasible)
    assert 0.6 - 1e-5 < point[0] <= 0.6
    assert space.from_unit(point)["act"] == "b"
    np.testing.assert_array_equal(point[1:], [0.0, 1.0, 0.0])


def test_polish_matches_a_dense_scan_of_a_fitted_ei() -> None:
    space = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0)])
    acquisition, _ = fitted_ei(space, 3, observations=6)
    grid = np.linspace(0, 1, 200_001)[:, None]
    dense = acquisition(grid)
    point, score = maximize_acquisition(acquisition, space, np.random.default_rng(0))
    assert score >= dense.max() * (1 - 1e-9)
