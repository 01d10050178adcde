"""The slice sampler must reproduce known distributions' moments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.optimize.mcmc import sample_chain, slice_sweep


def test_samples_a_normal_distribution() -> None:
    rng = np.random.default_rng(0)
    log_density = lambda x: -0.5 * ((x[0] - 1.0) / 2.0) ** 2  # noqa: E731  N(1, 4)
    samples = sample_chain(log_density, np.array([0.0]), rng, np.array([1.0]), samples=4000, burn_in=50)[:, 0]
    assert abs(samples.mean() - 1.0) < 0.15
    assert abs(samples.var() - 4.0) < 0.5


def test_samples_a_bounded_skewed_distribution() -> None:
    """Gamma(shape 3, scale 1) restricted to x > 0: mean 3, variance 3."""
    rng = np.random.default_rng(1)

    def log_density(x: np.ndarray) -> float:
        return 2.0 * math.log(x[0]) - x[0] if x[0] > 0 else -math.inf

    samples = sample_chain(log_density, np.array([1.0]), rng, np.array([2.0]), samples=4000, burn_in=50)[:, 0]
    assert np.all(samples > 0)
    assert abs(samples.mean() - 3.0) < 0.2
    assert abs(samples.var() - 3.0) < 0.6


def test_correlated_two_dimensional_target() -> None:
    rng = np.random.default_rng(2)
    precision = np.linalg.inv(np.array([[1.0, 0.8], [0.8, 1.0]]))
    samples = sample_chain(lambda x: -0.5 * x @ precision @ x, np.zeros(2), rng, np.ones(2), samples=3000, burn_in=50)
    assert abs(np.corrcoef(samples.T)[0, 1] - 0.8) < 0.08


def test_refuses_to_start_outside_the_support() -> None:
    with pytest.raises(ValueError, match="finite"):
        slice_sweep(lambda x: -math.inf, np.zeros(1), np.random.default_rng(0), np.ones(1))
