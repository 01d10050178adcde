"""Exact EHVI against Monte Carlo and brute-force hypervolume (2 and 3 objectives, known values)."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.optimize.ehvi import ExpectedHypervolumeImprovement, expected_hvi, improvement_below
from hyperpower.optimize.pareto import hypervolume, hypervolume_improvement, nondominated_boxes, nondominated_mask


def random_front(rng: np.random.Generator, count: int, objectives: int) -> np.ndarray:
    points = rng.random((count, objectives))
    return points[nondominated_mask(points)]


def monte_carlo(mean: np.ndarray, sigma: np.ndarray, front: np.ndarray, reference: np.ndarray,
                draws: int, rng: np.random.Generator) -> tuple[float, float]:
    """Mean and standard error of HVI over independent Gaussian draws, by exact hypervolume."""
    base = hypervolume(front, reference)
    samples = mean + sigma * rng.standard_normal((draws, len(mean)))
    gains = np.array([hypervolume(np.vstack([front, s]), reference) - base for s in samples])
    return float(gains.mean()), float(gains.std() / np.sqrt(draws))


@pytest.mark.parametrize("objectives", [2, 3])
@pytest.mark.parametrize("seed", range(4))
def test_boxes_give_the_exact_improvement_of_certain_points(objectives: int, seed: int) -> None:
    """With zero variance the EHVI is the plain HVI: checked against hypervolume differences."""
    rng = np.random.default_rng(seed)
    front = random_front(rng, 8, objectives)
    reference = np.full(objectives, 1.1)
    points = rng.random((20, objectives)) * 1.2 - 0.1
    exact = [hypervolume_improvement(front, p, reference) for p in points]
    assert expected_hvi(points, np.zeros_like(points), front, reference) == pytest.approx(exact, abs=1e-12)


def test_boxes_are_disjoint_and_fill_the_free_region() -> None:
    rng = np.random.default_rng(3)
    front, reference, floor = random_front(rng, 10, 3), np.full(3, 1.0), np.zeros(3)
    lower, upper = nondominated_boxes(front, reference)
    volume = np.prod(upper - np.maximum(lower, floor), axis=1).clip(min=0).sum()
    assert volume == pytest.approx(1.0 - hypervolume(front, reference))


@pytest.mark.parametrize("objectives", [2, 3])
def test_exact_ehvi_matches_monte_carlo(objectives: int) -> None:
    rng = np.random.default_rng(objectives)
    front = random_front(rng, 7, objectives)
    reference = np.full(objectives, 1.2)
    for mean, sigma in [(np.full(objectives, 0.4), np.full(objectives, 0.2)),
                        (rng.random(objectives), np.linspace(0.05, 0.5, objectives))]:
        exact = float(expected_hvi(mean, sigma**2, front, reference))
        estimate, error = monte_carlo(mean, sigma, front, reference, 3000, rng)
        assert exact == pytest.approx(estimate, abs=4 * error + 1e-9)
        assert exact > 0


def test_known_objective_is_a_one_dimensional_closed_form() -> None:
    """error ~ N, power known: EHVI = sum over strips of (b_i - power)^+ [psi(a_i+1) - psi(a_i)],
    the Monte Carlo integral over the error alone."""
    rng = np.random.default_rng(7)
    front = np.array([[0.1, 0.9], [0.3, 0.5], [0.6, 0.2]])
    reference = np.array([1.0, 1.0])
    for power in (0.05, 0.35, 0.7):
        mean, sigma = np.array([0.35, power]), np.array([0.2, 0.0])
        exact = float(expected_hvi(mean, sigma**2, front, reference))
        estimate, error = monte_carlo(mean, sigma, front, reference, 3000, rng)
        assert exact == pytest.approx(estimate, abs=4 * error + 1e-9)
        edges = np.array([0.1, 0.3, 0.6, 1.0])
        heights = np.array([1.0, 0.9, 0.5, 0.2])
        psi = improvement_below(0.35, 0.04, edges)
        strips = np.diff(np.concatenate([[0.0], psi]))
        assert exact == pytest.approx(float((strips * np.maximum(heights - power, 0.0)).sum()), rel=1e-12)


def test_certainly_dominated_candidates_have_zero_ehvi() -> None:
    front = np.array([[0.2, 0.6], [0.5, 0.3]])
    reference = np.array([1.0, 1.0])
    dominated = np.array([[0.6, 0.7], [0.2, 0.6], [0.9, 0.35]])
    assert expected_hvi(dominated, np.zeros_like(dominated), front, reference).tolist() == [0.0, 0.0, 0.0]
    # a known cost past the reference point: nothing to gain whatever the error turns out to be
    assert float(expected_hvi(np.array([0.0, 1.5]), np.array([1.0, 0.0]), front, reference)) == 0.0


class _Ensemble:
    """Fixed Gaussians per sample, (s, n) as FittedEnsemble.predict returns them."""

    def __init__(self, means: list[float], variances: list[float]) -> None:
        self.means, self.variances = np.array(means), np.array(variances)

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(candidates)
        return np.repeat(self.means[:, None], n, 1) + candidates[:, 0], np.repeat(self.variances[:, None], n, 1)


def test_acquisition_averages_the_samples_and_evaluates_known_objectives() -> None:
    front, reference = np.array([[0.2, 0.6], [0.5, 0.3]]), np.array([1.0, 1.0])
    ensemble = _Ensemble([0.1, 0.4], [0.01, 0.04])
    calls = []
    known = lambda points: calls.append(len(points)) or points[:, 1]  # noqa: E731
    acquisition = ExpectedHypervolumeImprovement([ensemble, None], [None, known], front, reference)
    candidates = np.array([[0.0, 0.2], [0.1, 0.5], [0.3, 0.9]])
    expected = np.mean([expected_hvi(np.column_stack([m + candidates[:, 0], candidates[:, 1]]),
                                     np.column_stack([np.full(3, v), np.zeros(3)]), front, reference)
                        for m, v in [(0.1, 0.01), (0.4, 0.04)]], axis=0)
    assert acquisition(candidates) == pytest.approx(expected, rel=1e-12)
    assert calls == [3]
