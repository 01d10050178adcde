"""GP posterior and marginal likelihood against direct dense-matrix formulas."""

from __future__ import annotations

import numpy as np
from scipy.stats import multivariate_normal

from hyperpower.optimize.gp import GaussianProcess, GPHyperparameters, log_marginal_likelihood
from hyperpower.optimize.kernels import matern52

HYPER = GPHyperparameters(mean=0.3, amplitude=1.4, length_scales=np.array([0.3, 0.6]), noise=0.01)


def _data(n: int = 12) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    points = rng.random((n, 2))
    return points, np.sin(5 * points[:, 0]) + points[:, 1]


def test_posterior_matches_direct_computation() -> None:
    points, values = _data()
    test = np.random.default_rng(1).random((9, 2))
    model = GaussianProcess(points, values, HYPER)
    mean, variance = model.predict(test)

    covariance = matern52(points, points, HYPER.length_scales, HYPER.amplitude) + HYPER.noise * np.eye(len(points))
    cross = matern52(test, points, HYPER.length_scales, HYPER.amplitude)
    inverse = np.linalg.inv(covariance)
    expected_mean = HYPER.mean + cross @ inverse @ (values - HYPER.mean)
    expected_variance = HYPER.amplitude - np.einsum("ij,jk,ik->i", cross, inverse, cross)
    np.testing.assert_allclose(mean, expected_mean, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(variance, expected_variance, rtol=1e-5, atol=1e-8)


def test_log_marginal_likelihood_matches_multivariate_normal() -> None:
    points, values = _data()
    covariance = matern52(points, points, HYPER.length_scales, HYPER.amplitude) + HYPER.noise * np.eye(len(points))
    expected = multivariate_normal(np.full(len(points), HYPER.mean), covariance).logpdf(values)
    assert abs(log_marginal_likelihood(points, values, HYPER) - expected) < 1e-6


def test_noiseless_gp_interpolates_and_is_certain_at_data() -> None:
    points, values = _data(8)
    hyper = GPHyperparameters(0.0, 1.0, np.array([0.5, 0.5]), noise=0.0)
    mean, variance = GaussianProcess(points, values, hyper).predict(points)
    np.testing.assert_allclose(mean, values, atol=1e-4)
    assert np.all(variance < 1e-4)


def test_duplicate_points_are_handled_by_jitter() -> None:
    points = np.array([[0.5, 0.5]] * 5 + [[0.1, 0.9]])
    values = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 0.0])
    hyper = GPHyperparameters(0.0, 1.0, np.array([0.5, 0.5]), noise=0.0)
    mean, _ = GaussianProcess(points, values, hyper).predict(np.array([[0.5, 0.5]]))
    assert abs(mean[0] - 1.0) < 1e-3


def test_condition_on_equals_fitting_all_points() -> None:
    points, values = _data()
    test = np.random.default_rng(3).random((4, 2))
    partial = GaussianProcess(points[:8], values[:8], HYPER).condition_on(points[8:], values[8:])
    full = GaussianProcess(points, values, HYPER)
    np.testing.assert_allclose(partial.predict(test)[0], full.predict(test)[0], rtol=1e-10)
    np.testing.assert_allclose(partial.predict(test)[1], full.predict(test)[1], rtol=1e-10)


def test_stacked_prediction_equals_each_member() -> None:
    from hyperpower.optimize.gp import StackedGaussianProcesses

    points, values = _data(30)
    rng = np.random.default_rng(5)
    members = [GaussianProcess(points, values, GPHyperparameters(rng.normal(), rng.uniform(0.5, 2), rng.uniform(0.1, 1, 2), 0.01))
               for _ in range(4)]
    members[1] = members[1].condition_on(points[:0], values[:0])  # equal inputs, another array
    assert StackedGaussianProcesses.applicable(members)
    stack = StackedGaussianProcesses(members)
    stack.BLOCK = 500  # several chunks
    test = rng.random((37, 2))
    mean, variance = stack.predict(test)
    for index, member in enumerate(members):
        expected_mean, expected_variance = member.predict(test)
        np.testing.assert_allclose(mean[index], expected_mean, rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(variance[index], expected_variance, rtol=1e-6, atol=1e-10)
    assert not StackedGaussianProcesses.applicable([members[0], GaussianProcess(points[:5], values[:5], members[0].hyper)])
