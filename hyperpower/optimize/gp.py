"""Gaussian-process regression with fixed hyper-parameters: the building block of the ensemble.

One ``GaussianProcess`` is one MCMC sample: constant mean, Matérn-5/2 ARD covariance on
(optionally Kumaraswamy-warped, ``warping``) inputs and a Gaussian (or, with ``noise == 0``,
noiseless) likelihood. ``ensemble.GaussianProcessEnsemble`` samples the hyper-parameters; this
module only does the linear algebra, made robust with a small jitter and Cholesky retries so a
near-duplicate point never stops a run. Conditioning on p more points (fantasies) extends the
Cholesky factor by one block, O(n^2 p), instead of refactorizing the n + p points.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
from scipy.linalg import cho_solve, solve_triangular

from hyperpower.optimize.kernels import matern52, matern52_from_square_distances, matern52_symmetric
from hyperpower.optimize.warping import kumaraswamy_cdf

#: jitter added to the diagonal, relative to the amplitude, before any retry
BASE_JITTER = 1e-8
CHOLESKY_TRIES = 6


@dataclasses.dataclass(frozen=True)
class GPHyperparameters:
    """mean: constant prior mean; amplitude: signal variance; length_scales: (d,);
    noise: observation-noise variance (0 for a noiseless likelihood); warp: the Kumaraswamy
    shapes (a, b), each (d,), or None for unwarped inputs."""

    mean: float
    amplitude: float
    length_scales: np.ndarray
    noise: float
    warp: tuple[np.ndarray, np.ndarray] | None = None

    def warped(self, points: np.ndarray) -> np.ndarray:
        """(n, d) unit-cube points -> the inputs the kernel sees."""
        return points if self.warp is None else kumaraswamy_cdf(points, *self.warp)


def robust_cholesky(matrix: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Lower Cholesky factor of a (n, n) covariance, adding growing jitter (``scale`` times
    1e-8, 1e-7, ...) to the diagonal when the matrix is numerically not positive definite."""
    jitter = BASE_JITTER * scale
    for _ in range(CHOLESKY_TRIES):
        try:
            return np.linalg.cholesky(matrix + jitter * np.eye(len(matrix)))
        except np.linalg.LinAlgError:
            jitter *= 10.0
    raise np.linalg.LinAlgError(f"covariance not positive definite even with jitter {jitter / 10:.1e}")


class GaussianProcess:
    """Posterior of a GP given ``points`` (n, d) in the unit cube and ``values`` (n,)."""

    def __init__(self, points: np.ndarray, values: np.ndarray, hyper: GPHyperparameters,
                 noise: np.ndarray | None = None, cholesky: np.ndarray | None = None) -> None:
        """``noise``: per-point noise variance, default ``hyper.noise`` everywhere (fantasies are
        exact: see ``condition_on``); ``cholesky``: the factor of these points' covariance when
        the caller already has it (``condition_on``)."""
        self.points = np.atleast_2d(np.asarray(points, dtype=float))
        self.values = np.asarray(values, dtype=float).ravel()
        self.hyper = hyper
        self.noise = np.full(len(self.values), hyper.noise) if noise is None else np.asarray(noise, dtype=float)
        self.inputs = hyper.warped(self.points)
        if cholesky is None:
            covariance = matern52_symmetric(self.inputs, hyper.length_scales, hyper.amplitude)
            covariance[np.diag_indices_from(covariance)] += self.noise
            cholesky = robust_cholesky(covariance, scale=hyper.amplitude)
        self.cholesky = cholesky
        self.residuals = self.values - hyper.mean
        self.alpha = cho_solve((self.cholesky, True), self.residuals, check_finite=False)

    def _cross(self, candidates: np.ndarray) -> np.ndarray:
        return matern52(self.inputs, self.hyper.warped(candidates), self.hyper.length_scales, self.hyper.amplitude)

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (m,) and variance (m,) of the latent function (noise excluded)."""
        candidates = np.atleast_2d(candidates)
        if len(self.values) == 0:
            return np.full(len(candidates), self.hyper.mean), np.full(len(candidates), self.hyper.amplitude)
        cross = self._cross(candidates)
        mean = self.hyper.mean + cross.T @ self.alpha
        whitened = solve_triangular(self.cholesky, cross, lower=True, check_finite=False, overwrite_b=True)
        variance = self.hyper.amplitude - np.einsum("ij,ij->j", whitened, whitened)
        return mean, np.maximum(variance, 1e-12 * self.hyper.amplitude)

    def predict_mean(self, candidates: np.ndarray) -> np.ndarray:
        """(m, d) -> posterior mean (m,) alone: O(n m) where the variance costs O(n^2 m), which
        matters for the incumbent (the mean at every observed point)."""
        candidates = np.atleast_2d(candidates)
        if len(self.values) == 0:
            return np.full(len(candidates), self.hyper.mean)
        return self.hyper.mean + self._cross(candidates).T @ self.alpha

    def log_marginal_likelihood(self) -> float:
        """log p(values | points, hyper-parameters)."""
        n = len(self.values)
        return float(
            -0.5 * self.residuals @ self.alpha
            - np.log(np.diag(self.cholesky)).sum()
            - 0.5 * n * math.log(2.0 * math.pi)
        )

    def condition_on(self, new_points: np.ndarray, new_values: np.ndarray, exact: bool = False) -> "GaussianProcess":
        """A GP with the same hyper-parameters and the extra observations appended; ``exact``
        values get no observation noise (fantasies, see ``FittedEnsemble.with_fantasies``).

        The factor grows by one block: [[L, 0], [B^T, C]] with B = L^-1 K(X, P) and
        C = chol(K(P, P) + noise - B^T B); a block that is numerically not positive definite
        (a fantasy on top of an observation) falls back to a full, jittered factorization.
        """
        new_points = np.atleast_2d(new_points)
        new_values = np.asarray(new_values, dtype=float).ravel()
        points = np.vstack([self.points, new_points])
        values = np.concatenate([self.values, new_values])
        new_noise = np.zeros(len(new_values)) if exact else np.full(len(new_values), self.hyper.noise)
        noise = np.concatenate([self.noise, new_noise])
        if len(self.values) == 0:
            return GaussianProcess(points, values, self.hyper, noise)
        new_inputs = self.hyper.warped(new_points)
        block = solve_triangular(self.cholesky, matern52(self.inputs, new_inputs, self.hyper.length_scales, self.hyper.amplitude),
                                 lower=True, check_finite=False)
        corner = matern52_symmetric(new_inputs, self.hyper.length_scales, self.hyper.amplitude) - block.T @ block
        corner[np.diag_indices_from(corner)] += new_noise + BASE_JITTER * self.hyper.amplitude
        try:
            corner_factor = np.linalg.cholesky(corner)
        except np.linalg.LinAlgError:
            return GaussianProcess(points, values, self.hyper, noise)
        n, p = len(self.values), len(new_values)
        factor = np.zeros((n + p, n + p))
        factor[:n, :n] = self.cholesky
        factor[n:, :n] = block.T
        factor[n:, n:] = corner_factor
        return GaussianProcess(points, values, self.hyper, noise, cholesky=factor)


def log_marginal_likelihood(points: np.ndarray, values: np.ndarray, hyper: GPHyperparameters) -> float:
    """log p(values | points, hyper); -inf when the covariance cannot be factorized."""
    try:
        return GaussianProcess(points, values, hyper).log_marginal_likelihood()
    except np.linalg.LinAlgError:
        return -math.inf


class StackedGaussianProcesses:
    """The samples of one fit (same inputs, their own hyper-parameters), predicted as one batch.

    Looping over ten members costs ten kernel evaluations and ten triangular solves per batch
    of candidates, each with its Python and LAPACK-call overhead; the acquisition search scores
    eight batches per suggestion. Here the distances of every member come from one batched
    matrix product (inputs and candidates scaled by each member's length scales), the kernel
    is evaluated once on the (S, n, m) block, and the solves become one batched product with
    each member's inverse Cholesky factor (computed once per fit). Used up to ``MAX_POINTS`` inputs, where S n^2 floats of
    inverse factors are cheap; beyond, the per-member solves cost far more than the overhead.
    """

    MAX_POINTS = 300
    BLOCK = 2_000_000  # floats of the largest (S, n, candidates) temporary per chunk

    def __init__(self, members: Sequence[GaussianProcess]) -> None:
        self.inputs = members[0].inputs
        inverse_scales = np.array([1.0 / m.hyper.length_scales for m in members])  # (S, d)
        self.inverse_scales = inverse_scales[:, None, :]
        self.scaled_inputs = self.inputs[None, :, :] * self.inverse_scales  # (S, n, d)
        self.input_squares = np.einsum("snd,snd->sn", self.scaled_inputs, self.scaled_inputs)
        self.amplitudes = np.array([m.hyper.amplitude for m in members])
        self.means = np.array([m.hyper.mean for m in members])
        self.alphas = np.array([m.alpha for m in members])
        identity = np.eye(len(self.inputs))
        self.inverse_factors = np.array([solve_triangular(m.cholesky, identity, lower=True, check_finite=False)
                                         for m in members])

    @classmethod
    def applicable(cls, members: Sequence[GaussianProcess]) -> bool:
        """Unwarped members on the very same inputs, at most MAX_POINTS of them."""
        first = members[0]
        return (0 < len(first.values) <= cls.MAX_POINTS and all(m.hyper.warp is None for m in members)
                and all(m.inputs is first.inputs or np.array_equal(m.inputs, first.inputs) for m in members[1:]))

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> means (S, m) and latent variances (S, m), as ``GaussianProcess.predict``."""
        candidates = np.atleast_2d(candidates)
        n = len(self.inputs)
        samples = len(self.amplitudes)
        chunk = max(1, self.BLOCK // (n * samples))
        means, variances = [], []
        for start in range(0, len(candidates), chunk):
            scaled = candidates[None, start:start + chunk, :] * self.inverse_scales  # (S, m, d)
            square_distances = self.scaled_inputs @ scaled.transpose(0, 2, 1)  # (S, n, m)
            square_distances *= -2.0
            square_distances += self.input_squares[:, :, None]
            square_distances += np.einsum("smd,smd->sm", scaled, scaled)[:, None, :]
            np.maximum(square_distances, 0.0, out=square_distances)
            cross = matern52_from_square_distances(square_distances, 1.0)
            cross *= self.amplitudes[:, None, None]
            means.append(self.means[:, None] + np.einsum("snm,sn->sm", cross, self.alphas))
            whitened = self.inverse_factors @ cross
            variances.append(self.amplitudes[:, None] - np.einsum("snm,snm->sm", whitened, whitened))
        variance = np.concatenate(variances, axis=1)
        return np.concatenate(means, axis=1), np.maximum(variance, 1e-12 * self.amplitudes[:, None])
