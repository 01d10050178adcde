"""GP hyper-parameters integrated out by slice-sampling MCMC (Spearmint's approach).

A point estimate of the length scales is overconfident after a handful of evaluations; averaging
the acquisition over samples of the hyper-parameter posterior is what makes EI explore sensibly
early on. ``GaussianProcessEnsemble`` keeps its chain between calls: the first fit burns in, each
later fit continues from the last sample (warm start), so a suggestion costs ``samples *
thinning`` sweeps.

Outputs are standardized (zero mean, unit variance) before fitting so the priors below are
scale free; predictions are returned in the original units.

Priors on the standardized problem (unit cube of dimension d):
  mean ~ N(0, 1); log amplitude ~ N(0, 1) (Spearmint's log-normal on the signal variance);
  log length scale ~ N(log sqrt(d) - 0.5, 1), bounded to [0.01, 100]: longer scales in higher
  dimensions, since a few points cannot support a wiggly function in 13 dimensions;
  noise variance ~ horseshoe(0.1) (Spearmint), or fixed at 1e-6 for a NOISELESS likelihood.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from hyperpower.optimize.gp import GaussianProcess, GPHyperparameters, log_marginal_likelihood
from hyperpower.optimize.mcmc import sample_chain

NOISELESS_VARIANCE = 1e-6
LOG_LENGTH_BOUNDS = (math.log(0.01), math.log(100.0))
LOG_AMPLITUDE_BOUNDS = (-10.0, 6.0)
LOG_NOISE_BOUNDS = (math.log(1e-8), math.log(10.0))
HORSESHOE_SCALE = 0.1


@dataclasses.dataclass(frozen=True)
class MCMCSettings:
    """samples: hyper-parameter samples kept per fit; thinning: sweeps per kept sample;
    burn_in: sweeps discarded on the first fit (later fits are warm-started)."""

    samples: int = 10
    thinning: int = 1
    burn_in: int = 100


@dataclasses.dataclass(frozen=True)
class ScaledGaussianProcess:
    """One member seen in the original units of the outputs (what acquisitions consume)."""

    model: GaussianProcess
    offset: float
    scale: float

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (m,) and latent variance (m,) in original units."""
        mean, variance = self.model.predict(candidates)
        return self.offset + self.scale * mean, self.scale**2 * variance


@dataclasses.dataclass(frozen=True)
class FittedEnsemble:
    """The GPs of one fit (one per hyper-parameter sample) and the output standardization."""

    members: tuple[GaussianProcess, ...]
    offset: float
    scale: float

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (s, m) and latent variance (s, m), in original units, s = samples."""
        means, variances = zip(*(member.predict(candidates) for member in self.members))
        return self.offset + self.scale * np.array(means), self.scale**2 * np.array(variances)

    def predictors(self) -> list[ScaledGaussianProcess]:
        """One predictor per hyper-parameter sample, in original units."""
        return [ScaledGaussianProcess(member, self.offset, self.scale) for member in self.members]

    def with_fantasies(self, points: np.ndarray) -> "FittedEnsemble":
        """Condition every member on its own posterior mean at ``points`` (p, d) ("kriging
        believer"): the variance there collapses, so pending or broken points stop attracting
        the acquisition while the mean elsewhere is unchanged. The believed values are exact
        (no observation noise): under a GAUSSIAN likelihood a noisy belief would leave most of
        the variance in place and parallel suggestions could land on top of each other."""
        points = np.atleast_2d(points)
        if points.size == 0:
            return self
        members = tuple(member.condition_on(points, member.predict(points)[0], exact=True) for member in self.members)
        return FittedEnsemble(members, self.offset, self.scale)


    def refit(self, points: np.ndarray, values: np.ndarray) -> "FittedEnsemble":
        """The same hyper-parameter samples on new data, without an MCMC sweep: what PABO does
        while the front is unchanged (the posterior moves, the length scales stay)."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        standardized, offset, scale = standardize(np.asarray(values, dtype=float))
        return FittedEnsemble(tuple(GaussianProcess(points, standardized, m.hyper) for m in self.members), offset, scale)


class _Parameters:
    """Packing of hyper-parameters into the vector the slice sampler moves:
    [mean, log amplitude, log length scales (d), log noise (GAUSSIAN only)]."""

    def __init__(self, dim: int, noiseless: bool) -> None:
        self.dim = dim
        self.noiseless = noiseless
        self.length_prior_mean = 0.5 * math.log(max(dim, 1)) - 0.5

    @property
    def size(self) -> int:
        return 2 + self.dim + (0 if self.noiseless else 1)

    def initial(self) -> np.ndarray:
        vector = [0.0, 0.0] + [self.length_prior_mean] * self.dim
        return np.array(vector + ([] if self.noiseless else [math.log(1e-3)]))

    def widths(self) -> np.ndarray:
        return np.array([0.5, 1.0] + [1.0] * self.dim + ([] if self.noiseless else [2.0]))

    def unpack(self, vector: np.ndarray) -> GPHyperparameters:
        noise = NOISELESS_VARIANCE if self.noiseless else math.exp(vector[-1])
        return GPHyperparameters(
            mean=float(vector[0]), amplitude=math.exp(vector[1]),
            length_scales=np.exp(vector[2:2 + self.dim]), noise=noise,
        )

    def log_prior(self, vector: np.ndarray) -> float:
        log_lengths = vector[2:2 + self.dim]
        if not (LOG_AMPLITUDE_BOUNDS[0] < vector[1] < LOG_AMPLITUDE_BOUNDS[1]):
            return -math.inf
        if np.any(log_lengths < LOG_LENGTH_BOUNDS[0]) or np.any(log_lengths > LOG_LENGTH_BOUNDS[1]):
            return -math.inf
        total = -0.5 * vector[0] ** 2 - 0.5 * vector[1] ** 2
        total += -0.5 * float(((log_lengths - self.length_prior_mean) ** 2).sum())
        if not self.noiseless:
            log_noise = vector[-1]
            if not (LOG_NOISE_BOUNDS[0] < log_noise < LOG_NOISE_BOUNDS[1]):
                return -math.inf
            # horseshoe density of the variance v, times dv/dlog v = v for the log parametrization
            total += math.log(math.log1p(3.0 * (HORSESHOE_SCALE / math.exp(log_noise)) ** 2)) + log_noise
        return total


def standardize(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """values (n,) -> (standardized values, offset, scale); scale 1 for constant values."""
    offset = float(np.mean(values)) if len(values) else 0.0
    scale = float(np.std(values)) if len(values) > 1 else 1.0
    scale = scale if scale > 1e-12 else 1.0
    return (values - offset) / scale, offset, scale


class GaussianProcessEnsemble:
    """Samples GP hyper-parameters by MCMC and returns the fitted members; keeps the chain."""

    def __init__(self, rng: np.random.Generator, noiseless: bool = False, settings: MCMCSettings = MCMCSettings()) -> None:
        self.rng = rng
        self.noiseless = noiseless
        self.settings = settings
        self._state: np.ndarray | None = None
        self._parameters: _Parameters | None = None

    def fit(self, points: np.ndarray, values: np.ndarray) -> FittedEnsemble:
        """points (n, d) in the unit cube, values (n,) finite -> a FittedEnsemble of ``samples``
        GPs. The first call (or a change of dimension) burns the chain in."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        standardized, offset, scale = standardize(np.asarray(values, dtype=float))
        burn_in = 0
        if self._parameters is None or self._parameters.dim != points.shape[1]:
            self._parameters = _Parameters(points.shape[1], self.noiseless)
            self._state = self._parameters.initial()
            burn_in = self.settings.burn_in
        parameters = self._parameters

        def log_posterior(vector: np.ndarray) -> float:
            prior = parameters.log_prior(vector)
            if not math.isfinite(prior):
                return -math.inf
            return prior + log_marginal_likelihood(points, standardized, parameters.unpack(vector))

        if not math.isfinite(log_posterior(self._state)):
            self._state = parameters.initial()
        chain = sample_chain(
            log_posterior, self._state, self.rng, parameters.widths(),
            samples=self.settings.samples, thinning=self.settings.thinning, burn_in=burn_in,
        )
        self._state = chain[-1]
        members = tuple(GaussianProcess(points, standardized, parameters.unpack(row)) for row in chain)
        return FittedEnsemble(members, offset, scale)

    @property
    def state(self) -> np.ndarray | None:
        """The chain's last hyper-parameter vector (None before the first fit)."""
        return None if self._state is None else self._state.copy()
