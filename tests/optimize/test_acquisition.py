"""EI against numeric integration; constraint wrappers compose as products."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import norm

from hyperpower.optimize.acquisition import (
    AverageOverSamples, ConstraintWeightedEI, ExpectedImprovement, KnownConstraintEI,
    ModelFeasibilityProbability, ProbabilityOfFeasibility, expected_improvement,
)


class FixedModel:
    """A predictor returning given means/variances (one per candidate row)."""

    def __init__(self, mean: np.ndarray, variance: np.ndarray) -> None:
        self.mean, self.variance = np.asarray(mean, float), np.asarray(variance, float)

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.mean[: len(candidates)], self.variance[: len(candidates)]


@pytest.mark.parametrize("mean,std,best", [(0.0, 1.0, 0.0), (1.0, 0.5, 0.2), (-2.0, 3.0, 1.0), (5.0, 0.7, 1.0)])
def test_expected_improvement_matches_numeric_integration(mean: float, std: float, best: float) -> None:
    numeric, _ = quad(lambda y: max(best - y, 0.0) * norm.pdf(y, mean, std), mean - 12 * std, best)
    analytic = expected_improvement(np.array([mean]), np.array([std**2]), best)[0]
    assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-12)


def test_expected_improvement_with_zero_variance_is_plain_improvement() -> None:
    values = expected_improvement(np.array([0.0, 2.0]), np.array([0.0, 0.0]), 1.0)
    np.testing.assert_allclose(values, [1.0, 0.0], atol=1e-12)


def test_average_over_samples_is_the_mean_of_member_eis() -> None:
    candidates = np.zeros((3, 2))
    models = [FixedModel([0.0, 1.0, 2.0], [1.0, 1.0, 1.0]), FixedModel([1.0, 0.0, 2.0], [0.25, 4.0, 1.0])]
    averaged = AverageOverSamples([ExpectedImprovement(m, 0.5) for m in models])(candidates)
    expected = np.mean([expected_improvement(m.mean, m.variance, 0.5) for m in models], axis=0)
    np.testing.assert_allclose(averaged, expected)


def test_probability_of_feasibility_both_senses() -> None:
    model = FixedModel([1.0, 3.0], [1.0, 4.0])
    below = ProbabilityOfFeasibility(model, 2.0, feasible_below=True)(np.zeros((2, 1)))
    above = ProbabilityOfFeasibility(model, 2.0, feasible_below=False)(np.zeros((2, 1)))
    np.testing.assert_allclose(below, [norm.cdf(1.0), norm.cdf(-0.5)])
    np.testing.assert_allclose(above, 1.0 - below)


def test_model_feasibility_probability_uses_relative_error_or_indicator() -> None:
    predict = lambda points: points[:, 0]  # noqa: E731
    points = np.array([[80.0], [90.0], [100.0]])
    soft = ModelFeasibilityProbability(predict, 90.0, 0.05)(points)
    np.testing.assert_allclose(soft, [norm.cdf(10 / 4.0), 0.5, norm.cdf(-10 / 5.0)])
    hard = ModelFeasibilityProbability(predict, 90.0, None)(points)
    np.testing.assert_array_equal(hard, [1.0, 1.0, 0.0])


def test_constraint_weighted_ei_multiplies_and_handles_missing_base() -> None:
    points = np.zeros((2, 1))
    base = lambda x: np.array([2.0, 4.0])  # noqa: E731
    first = lambda x: np.array([0.5, 0.25])  # noqa: E731
    second = lambda x: np.array([1.0, 0.5])  # noqa: E731
    np.testing.assert_allclose(ConstraintWeightedEI(base, [first, second])(points), [1.0, 0.5])
    np.testing.assert_allclose(ConstraintWeightedEI(None, [first, second])(points), [0.5, 0.125])


def test_known_constraint_ei_zeroes_infeasible_points() -> None:
    points = np.array([[0.1], [0.9]])
    wrapped = KnownConstraintEI(lambda x: np.array([3.0, 5.0]), lambda x: x[:, 0] < 0.5)
    np.testing.assert_array_equal(wrapped(points), [3.0, 0.0])


def test_sample_averaged_acquisitions_equal_the_average_over_member_acquisitions() -> None:
    from hyperpower.optimize.acquisition import (
        AverageOverSamples, ExpectedImprovement, ProbabilityOfFeasibility, SampleAveragedEI, SampleAveragedFeasibility,
    )
    from hyperpower.optimize.ensemble import GaussianProcessEnsemble, MCMCSettings

    rng = np.random.default_rng(0)
    points = rng.random((20, 2))
    fitted = GaussianProcessEnsemble(rng, settings=MCMCSettings(samples=4, burn_in=20)).fit(points, np.sin(5 * points[:, 0]))
    candidates = rng.random((50, 2))
    best = np.array([-0.9, -0.8, -1.0, -0.7])
    looped = AverageOverSamples([ExpectedImprovement(p, b) for p, b in zip(fitted.predictors(), best)])
    np.testing.assert_allclose(SampleAveragedEI(fitted, best)(candidates), looped(candidates), rtol=1e-6, atol=1e-12)
    looped = AverageOverSamples([ProbabilityOfFeasibility(p, 0.2, feasible_below=False) for p in fitted.predictors()])
    np.testing.assert_allclose(SampleAveragedFeasibility(fitted, 0.2, feasible_below=False)(candidates), looped(candidates),
                               rtol=1e-6, atol=1e-12)
