"""A Gaussian process whose prior mean is an a-priori model: the math of models that learn.

The measured value of a hardware metric at configuration x is modelled as

    y(x) = m(x) + r(x) + noise,   r(x) = b + a * m(x) + g(x),

with m the linear model of paper eq. 1-2 (the prior mean, fixed) and a residual r that is zero
in expectation: b ~ N(0, s_b^2) is a constant offset (the model is off by a fixed amount on this
machine), a ~ N(0, s_a^2) a relative error (off by a factor: another CPU, another load), g a
Matérn-5/2 GP of amplitude s_g^2 (a smooth local bias the linear form cannot bend to) and the
noise Gaussian with variance s_n^2. Integrating b and a out leaves one GP on r with covariance

    k(x, x') = s_b^2 + s_a^2 m(x) m(x') + s_g^2 Matern52(x, x'; one length scale per variable).

Every part is zero-mean, so with no measurement the posterior mean is m(x) exactly, and each
measurement moves it only as far as the prior's spread against the noise allows: the correction
fades in with data instead of jumping to the first residual.

Scale. Residuals and model values are divided by ``scale`` (the root mean square of the measured
values), so the priors are scale free: every log amplitude ~ N(log rho, 1), rho the model's
cross-validated relative error (``cv_rmspe``; 0.25 when the file has none), the log noise
~ N(log rho, 1.5^2), log length scales ~ N(log sqrt(v) - 0.5, 1) for v variables (the GP
ensemble's prior). The hyper-parameters are integrated by slice-sampling MCMC with a warm-started
chain, as ``ensemble`` does for the objective; predictions average the samples (a Gaussian
mixture, returned by its mean and variance).

Pure numpy/scipy: nothing here knows a model file, a job or a search space; ``learned_model``
adapts those.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Sequence

import numpy as np
from scipy.linalg.lapack import dpotrf, dpotrs, dtrtri

from hyperpower.optimize.gp import BASE_JITTER, robust_cholesky
from hyperpower.optimize.kernels import matern52_from_square_distances
from hyperpower.optimize.mcmc import sample_chain

#: the relative error assumed of a model file that records no ``cv_rmspe`` (hand-written)
DEFAULT_RELATIVE_ERROR = 0.25
RELATIVE_ERROR_BOUNDS = (0.005, 2.0)
LOG_AMPLITUDE_BOUNDS = (math.log(1e-6), math.log(1e2))
LOG_LENGTH_BOUNDS = (math.log(0.01), math.log(100.0))
AMPLITUDE_PRIOR_SD = 1.0
NOISE_PRIOR_SD = 1.5
#: offset, relative, amplitude, noise: the leading entries of the sampled vector
SCALES = 4


@dataclasses.dataclass(frozen=True)
class ResidualSettings:
    """samples: hyper-parameter samples a fit averages over (a rolling pool); fresh: sweeps each
    later fit adds to the pool (the chain continues; a new measurement moves the posterior of a
    handful of scales little); burn_in: sweeps discarded on the first fit; subset: most
    observations the likelihood sees (a fresh uniform subset beyond it, as
    ``ensemble.MCMCSettings.subset``; predictions use all)."""

    samples: int = 8
    fresh: int = 3
    burn_in: int = 40
    subset: int = 150


@dataclasses.dataclass(frozen=True)
class ResidualHyperparameters:
    """Standard deviations in scaled units (s_b, s_a, s_g, s_n) and (v,) length scales."""

    offset: float
    relative: float
    amplitude: float
    noise: float
    length_scales: np.ndarray


def relative_error_prior(cv_rmspe: float | None) -> float:
    """rho, the centre of the amplitude priors: the model's own error estimate, bounded."""
    rho = DEFAULT_RELATIVE_ERROR if cv_rmspe is None or not math.isfinite(cv_rmspe) or cv_rmspe <= 0 else cv_rmspe
    return float(min(max(rho, RELATIVE_ERROR_BOUNDS[0]), RELATIVE_ERROR_BOUNDS[1]))


def group_square_distances(first: np.ndarray, second: np.ndarray, groups: Sequence[np.ndarray]) -> np.ndarray:
    """(n, c), (k, c) inputs -> (v, n, k) squared distances within each group of columns (a
    variable: one column, or the one-hot columns of an ENUM)."""
    result = np.empty((len(groups), len(first), len(second)))
    for index, columns in enumerate(groups):
        a, b = first[:, columns], second[:, columns]
        squares = (a * a).sum(axis=1)[:, None] + (b * b).sum(axis=1)[None, :] - 2.0 * a @ b.T
        result[index] = np.maximum(squares, 0.0)
    return result


def residual_covariance(hyper: ResidualHyperparameters, distances: np.ndarray, left: np.ndarray,
                        right: np.ndarray) -> np.ndarray:
    """(v, n, k) group distances, model values (n, 1) and (1, k) -> (n, k) covariance of r."""
    scaled = np.zeros(distances.shape[1:])
    for weight, group in zip(hyper.length_scales**-2.0, distances):  # elementwise: no BLAS call per density
        scaled += weight * group
    covariance = matern52_from_square_distances(scaled, hyper.amplitude**2)
    return covariance + hyper.offset**2 + hyper.relative**2 * left * right


class ResidualPosterior:
    """The GP on residuals at fixed hyper-parameters, conditioned on (inputs, prior, residuals)
    in scaled units; ``predict`` gives the residual's mean and latent variance at new inputs.
    The inverse Cholesky factor is kept, so a prediction is two matrix products (the search
    asks for thousands of candidates per suggestion)."""

    def __init__(self, distances: np.ndarray, prior: np.ndarray, residuals: np.ndarray,
                 hyper: ResidualHyperparameters) -> None:
        self.hyper = hyper
        self.prior = prior
        covariance = residual_covariance(hyper, distances, prior[:, None], prior[None, :])
        covariance[np.diag_indices_from(covariance)] += hyper.noise**2
        cholesky = robust_cholesky(covariance, scale=max(float(np.diag(covariance).mean()), 1e-12))
        self.inverse_factor, info = dtrtri(cholesky, lower=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"residual covariance factor is singular (dtrtri info {info})")
        self.alpha = self.inverse_factor.T @ (self.inverse_factor @ residuals)

    def predict(self, distances: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(v, n, k) distances from the observations to k points, (k,) model values there ->
        residual mean (k,) and latent variance (k,), scaled units."""
        cross = residual_covariance(self.hyper, distances, self.prior[:, None], prior[None, :])
        mean = cross.T @ self.alpha
        whitened = self.inverse_factor @ cross
        hyper = self.hyper
        prior_variance = hyper.amplitude**2 + hyper.offset**2 + hyper.relative**2 * prior**2
        variance = prior_variance - np.einsum("ij,ij->j", whitened, whitened)
        return mean, np.maximum(variance, 1e-12 * prior_variance)


class _Packing:
    """[log s_b, log s_a, log s_g, log s_n, log length scales (v)] and their prior."""

    def __init__(self, variables: int, relative_error: float) -> None:
        self.variables = variables
        self.centre = math.log(relative_error)
        self.length_centre = 0.5 * math.log(max(variables, 1)) - 0.5

    def initial(self) -> np.ndarray:
        return np.array([self.centre] * SCALES + [self.length_centre] * self.variables)

    def widths(self) -> np.ndarray:
        return np.ones(SCALES + self.variables)

    def unpack(self, vector: np.ndarray) -> ResidualHyperparameters:
        offset, relative, amplitude, noise = np.exp(vector[:SCALES])
        return ResidualHyperparameters(float(offset), float(relative), float(amplitude), float(noise),
                                       np.exp(vector[SCALES:]))

    def log_prior(self, vector: np.ndarray) -> float:
        scales, lengths = vector[:SCALES], vector[SCALES:]
        if scales.min() < LOG_AMPLITUDE_BOUNDS[0] or scales.max() > LOG_AMPLITUDE_BOUNDS[1]:
            return -math.inf
        if len(lengths) and (lengths.min() < LOG_LENGTH_BOUNDS[0] or lengths.max() > LOG_LENGTH_BOUNDS[1]):
            return -math.inf
        spread = np.array([AMPLITUDE_PRIOR_SD] * (SCALES - 1) + [NOISE_PRIOR_SD])
        total = -0.5 * float(np.sum(((scales - self.centre) / spread) ** 2))
        return total - 0.5 * float(np.sum((lengths - self.length_centre) ** 2))


@dataclasses.dataclass(frozen=True)
class ResidualFit:
    """One fit: the posterior of each hyper-parameter sample and the data's scale."""

    inputs: np.ndarray
    posteriors: tuple[ResidualPosterior, ...]
    scale: float
    groups: tuple[np.ndarray, ...]

    def predict(self, inputs: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(k, c) inputs and (k,) model values -> mean of the measured value (model plus the
        residual's mean), latent variance and noise variance, each (k,), in the metric's units:
        the mixture over samples reduced to its mean and variance."""
        inputs = np.atleast_2d(inputs)
        prior = np.asarray(prior, dtype=float)
        distances = group_square_distances(self.inputs, inputs, self.groups)
        scaled_prior = prior / self.scale
        means, variances = zip(*(posterior.predict(distances, scaled_prior) for posterior in self.posteriors))
        means, variances = np.array(means), np.array(variances)
        mean = means.mean(axis=0)
        variance = (variances + means**2).mean(axis=0) - mean**2
        noise = float(np.mean([posterior.hyper.noise**2 for posterior in self.posteriors]))
        return prior + self.scale * mean, self.scale**2 * np.maximum(variance, 0.0), np.full(len(prior), self.scale**2 * noise)


class ResidualProcess:
    """Fits the residual GP by MCMC, keeping the chain between fits (warm start)."""

    def __init__(self, groups: Sequence[np.ndarray], relative_error: float | None, rng: np.random.Generator,
                 settings: ResidualSettings = ResidualSettings()) -> None:
        self.groups = tuple(np.asarray(g, dtype=int) for g in groups)
        self.packing = _Packing(len(self.groups), relative_error_prior(relative_error))
        self.rng = rng
        self.settings = settings
        self._state: np.ndarray | None = None
        self._pool: list[np.ndarray] = []

    def fit(self, inputs: np.ndarray, prior: np.ndarray, measured: np.ndarray) -> ResidualFit:
        """inputs (n, c) of the measured configurations, prior (n,) the model's values there,
        measured (n,) what was measured -> a ResidualFit of ``settings.samples`` samples."""
        inputs = np.atleast_2d(np.asarray(inputs, dtype=float))
        prior, measured = np.asarray(prior, dtype=float), np.asarray(measured, dtype=float)
        scale = float(np.sqrt(np.mean(measured**2)))
        scale = scale if scale > 1e-12 else 1.0
        scaled_prior, residuals = prior / scale, (measured - prior) / scale
        distances = group_square_distances(inputs, inputs, self.groups)
        subset = self._subset(len(measured))
        density = _LogPosterior(distances[:, subset][:, :, subset], scaled_prior[subset], residuals[subset], self.packing)
        burn_in, fresh = 0, self.settings.fresh
        if self._state is None or not math.isfinite(density(self._state)):
            self._state, self._pool = self.packing.initial(), []
            burn_in, fresh = self.settings.burn_in, self.settings.samples
        chain = sample_chain(density, self._state, self.rng, self.packing.widths(), samples=fresh, burn_in=burn_in)
        self._state = chain[-1]
        self._pool = (self._pool + list(chain))[-self.settings.samples:]
        posteriors = tuple(ResidualPosterior(distances, scaled_prior, residuals, self.packing.unpack(row))
                           for row in self._pool)
        return ResidualFit(inputs, posteriors, scale, self.groups)

    def _subset(self, n: int) -> np.ndarray:
        if n <= self.settings.subset:
            return np.arange(n)
        return np.sort(self.rng.choice(n, self.settings.subset, replace=False))


class _LogPosterior:
    """log p(hyper-parameters | residuals) up to a constant, -inf outside the prior or where the
    covariance cannot be factored; LAPACK is called directly (as ``hyperposterior`` does: the
    checking wrappers cost more than a small factorization)."""

    def __init__(self, distances: np.ndarray, prior: np.ndarray, residuals: np.ndarray, packing: _Packing) -> None:
        self.distances, self.residuals, self.packing = distances, residuals, packing
        self.column, self.row = prior[:, None], prior[None, :]

    def __call__(self, vector: np.ndarray) -> float:
        log_prior = self.packing.log_prior(vector)
        if not math.isfinite(log_prior):
            return -math.inf
        hyper = self.packing.unpack(vector)
        covariance = residual_covariance(hyper, self.distances, self.column, self.row)
        covariance.flat[::len(covariance) + 1] += hyper.noise**2 + BASE_JITTER * float(covariance.flat[0])
        factor, info = dpotrf(covariance, lower=1, clean=1, overwrite_a=1)
        if info != 0:
            return -math.inf
        solved, info = dpotrs(factor, self.residuals, lower=1)
        if info != 0:
            return -math.inf
        return log_prior - 0.5 * float(self.residuals @ solved) - float(np.log(np.diag(factor)).sum())
