"""The log posterior of the GP hyper-parameters that the slice sampler evaluates, made cheap.

One suggestion costs a few hundred evaluations of this density, each an O(n^3) factorization,
so the work that does not change between evaluations is done once:

* the per-dimension squared differences of the inputs are computed once per fit; a length
  scale sample then costs one matrix-vector product (``kernels.coordinate_square_differences``),
  and a warp sample recomputes only the dimension whose warp moved;
* a move of the constant mean leaves the covariance unchanged: the factorization of the current
  covariance is cached with y^T K^-1 y, 1^T K^-1 y and 1^T K^-1 1, so the likelihood at any
  mean is three multiplications;
* LAPACK's ``dpotrf``/``dpotrs`` are called directly: at n = 25 the checking wrappers of
  ``scipy.linalg`` cost more than the factorization itself.

Beyond ``GaussianProcessEnsemble``'s subset size the likelihood is evaluated on a random subset
of the observations (see ``ensemble.MCMCSettings.subset``); the members are fitted on all of them.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Protocol

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs

from hyperpower.optimize.gp import BASE_JITTER, CHOLESKY_TRIES, GPHyperparameters
from hyperpower.optimize.kernels import coordinate_square_differences, matern52_from_square_distances

CACHE_SIZE = 4
LOG_2PI = math.log(2.0 * math.pi)


class HyperParameterPacking(Protocol):
    """What the posterior needs from the packing of the sampled vector (``ensemble._Parameters``)."""

    def unpack(self, vector: np.ndarray) -> GPHyperparameters: ...

    def log_prior(self, vector: np.ndarray) -> float: ...


class HyperPosterior:
    """``log p(theta | points, values)`` up to a constant, for vectors packed as [mean, ...rest];
    -inf outside the prior's support or where the covariance cannot be factorized."""

    def __init__(self, points: np.ndarray, values: np.ndarray, packing: HyperParameterPacking) -> None:
        self.points = np.atleast_2d(np.asarray(points, dtype=float))
        self.values = np.asarray(values, dtype=float).ravel()
        self.packing = packing
        self.evaluations = 0  # likelihood evaluations that needed a factorization
        self._inputs: np.ndarray | None = None
        self._differences: np.ndarray | None = None
        self._cache: OrderedDict[bytes, tuple[float, float, float, float]] = OrderedDict()

    def __call__(self, vector: np.ndarray) -> float:
        prior = self.packing.log_prior(vector)
        if not math.isfinite(prior):
            return -math.inf
        statistics = self._statistics(vector)
        if statistics is None:
            return -math.inf
        half_log_det, yky, oky, oko = statistics
        mean = float(vector[0])
        quadratic = yky - 2.0 * mean * oky + mean * mean * oko
        return prior - 0.5 * quadratic - half_log_det - 0.5 * len(self.values) * LOG_2PI

    def _statistics(self, vector: np.ndarray) -> tuple[float, float, float, float] | None:
        """(log det K / 2, y'K^-1 y, 1'K^-1 y, 1'K^-1 1) for everything in ``vector`` but the mean."""
        key = np.asarray(vector[1:], dtype=float).tobytes()
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        self.evaluations += 1
        hyper = self.packing.unpack(vector)
        covariance = matern52_from_square_distances(self._square_distances(hyper), hyper.amplitude)
        covariance.flat[::len(covariance) + 1] += hyper.noise
        factor = _cholesky(covariance, hyper.amplitude)
        if factor is None:
            return None
        right = np.column_stack([self.values, np.ones(len(self.values))])
        solved, info = dpotrs(factor, right, lower=1)
        if info != 0:
            return None
        statistics = (float(np.log(np.diag(factor)).sum()), float(self.values @ solved[:, 0]),
                      float(solved[:, 0].sum()), float(solved[:, 1].sum()))
        self._cache[key] = statistics
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return statistics

    def _square_distances(self, hyper: GPHyperparameters) -> np.ndarray:
        """(n, n) squared scaled distances of the (warped) inputs, from the cached differences."""
        inputs = hyper.warped(self.points)
        n = len(self.points)
        if self._differences is None:
            self._differences = coordinate_square_differences(inputs)
        elif inputs is not self.points:
            changed = np.flatnonzero(np.any(inputs != self._inputs, axis=0))
            for column in changed:
                difference = inputs[:, None, column] - inputs[None, :, column]
                self._differences[:, column] = (difference * difference).ravel()
        self._inputs = inputs
        return (self._differences @ hyper.length_scales**-2.0).reshape(n, n)


def _cholesky(covariance: np.ndarray, scale: float) -> np.ndarray | None:
    """Lower factor with the growing jitter of ``gp.robust_cholesky``; None when it fails."""
    jitter = BASE_JITTER * scale
    diagonal = covariance.reshape(-1)[::len(covariance) + 1]  # a view: += writes the diagonal
    diagonal += jitter
    for _ in range(CHOLESKY_TRIES):
        factor, info = dpotrf(covariance, lower=1, clean=1, overwrite_a=0)
        if info == 0:
            return factor
        diagonal += 9.0 * jitter
        jitter *= 10.0
    return None
