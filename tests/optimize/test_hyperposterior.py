"""The cached hyper-parameter posterior equals prior + GP marginal likelihood, and the priors are
the densities the ensemble's docstring documents next to Spearmint's (issue 18)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from hyperpower.optimize import warping
from hyperpower.optimize.ensemble import HORSESHOE_SCALE, _Parameters
from hyperpower.optimize.gp import GaussianProcess
from hyperpower.optimize.hyperposterior import HyperPosterior


def _data(n: int = 20, dim: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    points = rng.random((n, dim))
    return points, np.sin(4 * points[:, 0]) + points[:, 1] ** 2 - points[:, 2]


@pytest.mark.parametrize("noiseless, warp", [(False, False), (True, False), (False, True)])
def test_posterior_equals_prior_plus_marginal_likelihood(noiseless: bool, warp: bool) -> None:
    points, values = _data()
    packing = _Parameters(points.shape[1], noiseless, warp)
    posterior = HyperPosterior(points, values, packing)
    rng = np.random.default_rng(1)
    for _ in range(6):  # several vectors through the same caches, then a mean-only move
        vector = packing.initial() + 0.3 * rng.standard_normal(packing.size)
        expected = packing.log_prior(vector) + GaussianProcess(points, values, packing.unpack(vector)).log_marginal_likelihood()
        assert posterior(vector) == pytest.approx(expected, rel=1e-7, abs=1e-7)
    moved = vector.copy()
    moved[0] += 0.7
    evaluations = posterior.evaluations
    expected = packing.log_prior(moved) + GaussianProcess(points, values, packing.unpack(moved)).log_marginal_likelihood()
    assert posterior(moved) == pytest.approx(expected, rel=1e-7, abs=1e-7)
    assert posterior.evaluations == evaluations  # a move of the mean reused the factorization


def test_warped_inputs_change_the_likelihood_only_through_the_warp() -> None:
    points, values = _data()
    packing = _Parameters(points.shape[1], False, True)
    vector = packing.initial()
    identity = HyperPosterior(points, values, packing)(vector)
    vector[packing.warp_start] = math.log(3.0)  # bend dimension 0
    bent = HyperPosterior(points, values, packing)(vector)
    assert bent != identity


def test_prior_density_matches_scipy_and_spearmint() -> None:
    dim = 2
    packing = _Parameters(dim, noiseless=False, warp=True)
    mean, log_amplitude = 0.4, -0.3
    log_lengths = np.array([0.1, -0.7])
    log_noise = math.log(0.02)
    log_a, log_b = np.array([0.3, -0.2]), np.array([0.5, 1.1])
    vector = np.concatenate([[mean, log_amplitude], log_lengths, [log_noise], log_a, log_b])
    expected = (
        stats.norm(0, 1).logpdf(mean)  # Spearmint: priors.Gaussian(0.0, 1.0)
        + stats.norm(0, 1).logpdf(log_amplitude)
        + stats.norm(0.5 * math.log(dim) - 0.5, 1).logpdf(log_lengths).sum()
        # Spearmint's Horseshoe(0.1).logprob(v) in v, times the Jacobian v of the log parametrization
        + math.log(math.log(1 + 3.0 * (HORSESHOE_SCALE / math.exp(log_noise)) ** 2)) + log_noise
        # Spearmint's lognormal(0.5) on a and b (loc 0), times the Jacobian a of log a
        + (stats.lognorm(0.5).logpdf(np.exp(np.concatenate([log_a, log_b]))) + np.concatenate([log_a, log_b])).sum()
    )
    assert packing.log_prior(vector) == pytest.approx(expected, rel=1e-10)


def test_prior_support_is_the_tophats() -> None:
    packing = _Parameters(1, noiseless=True, warp=True)
    vector = packing.initial()
    assert math.isfinite(packing.log_prior(vector))
    for index, value in [(packing.warp_start, math.log(31.0)), (packing.warp_start + 1, math.log(0.09)),
                         (2, math.log(0.009)), (2, math.log(101.0)), (1, 6.5)]:
        outside = vector.copy()
        outside[index] = value
        assert packing.log_prior(outside) == -math.inf
    assert warping.log_prior(np.array([math.log(30.0)]), np.array([math.log(0.1)])) > -math.inf


def test_kumaraswamy_warp_is_a_monotone_map_of_the_unit_interval() -> None:
    x = np.linspace(0, 1, 101)[:, None]
    np.testing.assert_allclose(warping.kumaraswamy_cdf(x, np.array([1.0]), np.array([1.0])), x, atol=1e-8)
    for a, b in [(0.3, 2.0), (4.0, 0.5), (2.0, 3.0)]:
        warped = warping.kumaraswamy_cdf(x, np.array([a]), np.array([b]))[:, 0]
        assert warped[0] == pytest.approx(0.0, abs=1e-6) and warped[-1] == pytest.approx(1.0, abs=1e-6)
        assert np.all(np.diff(warped) >= 0)
