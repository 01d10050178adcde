"""GP hyper-parameters integrated out by slice-sampling MCMC (Spearmint's approach).

A point estimate of the length scales is overconfident after a handful of evaluations; averaging
the acquisition over samples of the hyper-parameter posterior is what makes EI explore sensibly
early on. ``GaussianProcessEnsemble`` keeps its chain between calls: the first fit burns in,
each later fit continues from the last sample (warm start).

Cost that scales with n (each rule in ``MCMCSettings``, measured in benchmarks/optimizer):
  * a rolling pool of ``samples`` hyper-parameter samples: up to ``refresh_below`` (50)
    observations every fit draws all of them afresh (Spearmint), beyond it only
    ``ceil(samples * fresh_scale / n)`` new sweeps (``fresh_scale`` 15) replace the oldest
    samples. One new result moves the hyper-parameter posterior by O(1/n), so the pool stays
    close to a posterior sample at a fraction of the cost. Below 50 results a fit costs well
    under a second and the paper-sized runs live there, so they keep fully fresh samples and
    exactly the trajectories of before the pool (a pool from 15 results was measured mixed:
    better on some problems at 50 evaluations, worse at 25 on others; benchmarks/optimizer/RESULTS.md);
  * the likelihood the sampler evaluates uses at most ``subset`` observations (a fresh uniform
    subset per fit): the hyper-parameter posterior of a subset is wider than that of all the
    data (more cautious, never biased by a choice of points), and this bounds the MCMC cost
    independently of n. The members are fitted on all observations;
  * beyond ``members_below`` observations the acquisition averages over
    ``max(min_members, ceil(samples * members_below / n))`` samples evenly spaced in the pool
    (the newest included), since each member costs an O(n^2) solve per candidate and the
    samples agree more as n grows.

Outputs are standardized (zero mean, unit variance) before fitting so the priors below are
scale free; predictions are returned in the original units.

Priors (``_Parameters.log_prior``; the sampler moves logs of every positive parameter, so each
density below includes the Jacobian) next to Spearmint's (HIPS/Spearmint, spearmint/models/gp.py
``_build`` and the kernels it assembles):

  ===============  =========================================  ==============================================
  parameter        HyperPower                                 Spearmint
  ===============  =========================================  ==============================================
  mean             N(0, 1)                                    priors.Gaussian(0.0, 1.0)  (same)
  amplitude a      log a ~ N(0, 1), a in (e^-10, e^6)         priors.LognormalOnSquare(1.0): log a ~ N(0, 2^2)
  length scale l   log l ~ N(log sqrt(d) - 0.5, 1),           priors.Tophat(0, 10): uniform on (0, 10)
                   l in [0.01, 100]
  noise v          horseshoe(0.1): log(log(1 + 3 (0.1/v)^2)),  priors.NonNegative(priors.Horseshoe(0.1)) (same)
                   v in (1e-8, 10); fixed 1e-6 if NOISELESS   (1e-6 stability noise if noiseless)
  warp a, b        log a, log b ~ N(0, 0.5^2) on [0.1, 30]    priors.LognormalTophat(0.5, 0.1, 30.0, mean=5)
                   (``warping``)                              (``mean`` lands in scipy's loc: see ``warping``)
  ===============  =========================================  ==============================================

Where we differ, we chose deliberately: the amplitude prior is tighter because the outputs are
standardized (Spearmint's are not), and the length-scale prior grows with sqrt(d) because a
flat prior lets a few points in 13 dimensions support wiggly functions.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np

from hyperpower.optimize.gp import GaussianProcess, GPHyperparameters, StackedGaussianProcesses
from hyperpower.optimize.hyperposterior import HyperPosterior
from hyperpower.optimize.mcmc import sample_chain
from hyperpower.optimize import warping

NOISELESS_VARIANCE = 1e-6
LOG_LENGTH_BOUNDS = (math.log(0.01), math.log(100.0))
LOG_AMPLITUDE_BOUNDS = (-10.0, 6.0)
LOG_NOISE_BOUNDS = (math.log(1e-8), math.log(10.0))
HORSESHOE_SCALE = 0.1
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


@dataclasses.dataclass(frozen=True)
class MCMCSettings:
    """samples: hyper-parameter samples kept per fit; thinning: sweeps per kept sample;
    burn_in: sweeps discarded on the first fit (later fits are warm-started); the rules that
    bound the cost as n grows (module docstring): refresh_below, fresh_scale, subset, members_below,
    min_members; warp: sample a Kumaraswamy input warping per dimension (``warping``)."""

    samples: int = 10
    thinning: int = 1
    burn_in: int = 100
    refresh_below: int = 50
    fresh_scale: int = 15
    subset: int = 100
    members_below: int = 50
    min_members: int = 3
    warp: bool = False

    def fresh_samples(self, n: int) -> int:
        """New samples a warm fit on n observations draws (the rest of the pool is kept)."""
        if n <= self.refresh_below:
            return self.samples
        return min(self.samples, max(1, math.ceil(self.samples * self.fresh_scale / n)))

    def member_count(self, n: int) -> int:
        """Samples of the pool the fitted ensemble carries for n observations."""
        if n <= self.members_below:
            return self.samples
        return min(self.samples, max(self.min_members, math.ceil(self.samples * self.members_below / n)))


@dataclasses.dataclass(frozen=True)
class ScaledGaussianProcess:
    """One member seen in the original units of the outputs (what acquisitions consume)."""

    model: GaussianProcess
    offset: float
    scale: float
    inputs: np.ndarray | None = None

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (m,) and latent variance (m,) in original units."""
        candidates = np.atleast_2d(candidates)
        mean, variance = self.model.predict(candidates if self.inputs is None else candidates[:, self.inputs])
        return self.offset + self.scale * mean, self.scale**2 * variance


@dataclasses.dataclass(frozen=True)
class FittedEnsemble:
    """The GPs of one fit (one per hyper-parameter sample) and the output standardization.

    ``inputs``: the unit-cube columns the GPs read (None: all). Every method takes points of the
    whole space and keeps those columns, so a caller never needs to know: an objective that the
    device variable cannot change (the error of a network is the same wherever it is trained)
    is fitted without the device's columns, and what it learns of a configuration holds for it on
    every device."""

    members: tuple[GaussianProcess, ...]
    offset: float
    scale: float
    inputs: np.ndarray | None = None

    def _project(self, points: np.ndarray) -> np.ndarray:
        points = np.atleast_2d(np.asarray(points, dtype=float))
        return points if self.inputs is None else points[:, self.inputs]

    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (s, m) and latent variance (s, m), in original units, s = samples."""
        candidates = self._project(candidates)
        if self._stack is not None:
            means, variances = self._stack.predict(candidates)
        else:
            means, variances = map(np.array, zip(*(member.predict(candidates) for member in self.members)))
        return self.offset + self.scale * means, self.scale**2 * variances

    @functools.cached_property
    def _stack(self) -> StackedGaussianProcesses | None:
        """All members in one batch where that is cheaper (``StackedGaussianProcesses``)."""
        return StackedGaussianProcesses(self.members) if StackedGaussianProcesses.applicable(self.members) else None

    def predict_mean(self, candidates: np.ndarray) -> np.ndarray:
        """(m, d) -> posterior means (s, m) in original units, without the O(n^2 m) variance."""
        candidates = self._project(candidates)
        return self.offset + self.scale * np.array([member.predict_mean(candidates) for member in self.members])

    def predictors(self) -> list[ScaledGaussianProcess]:
        """One predictor per hyper-parameter sample, in original units."""
        return [ScaledGaussianProcess(member, self.offset, self.scale, self.inputs) for member in self.members]

    def with_fantasies(self, points: np.ndarray) -> "FittedEnsemble":
        """Condition every member on its own posterior mean at ``points`` (p, d) ("kriging
        believer"): the variance there collapses, so pending or broken points stop attracting
        the acquisition while the mean elsewhere is unchanged. The believed values are exact
        (no observation noise): under a GAUSSIAN likelihood a noisy belief would leave most of
        the variance in place and parallel suggestions could land on top of each other."""
        points = np.atleast_2d(points)
        if points.size == 0:
            return self
        points = self._project(points)
        members = tuple(member.condition_on(points, member.predict(points)[0], exact=True) for member in self.members)
        return FittedEnsemble(members, self.offset, self.scale, self.inputs)


    def refit(self, points: np.ndarray, values: np.ndarray) -> "FittedEnsemble":
        """The same hyper-parameter samples on new data, without an MCMC sweep: what PABO does
        while the front is unchanged (the posterior moves, the length scales stay)."""
        points = self._project(points)
        standardized, offset, scale = standardize(np.asarray(values, dtype=float))
        return FittedEnsemble(tuple(GaussianProcess(points, standardized, m.hyper) for m in self.members), offset, scale,
                              self.inputs)


class _Parameters:
    """Packing of hyper-parameters into the vector the slice sampler moves:
    [mean, log amplitude, log length scales (d), log noise (GAUSSIAN only),
    log warp a (d), log warp b (d) (warped only)]."""

    def __init__(self, dim: int, noiseless: bool, warp: bool = False) -> None:
        self.dim = dim
        self.noiseless = noiseless
        self.warp = warp
        self.length_prior_mean = 0.5 * math.log(max(dim, 1)) - 0.5
        self.warp_start = 2 + dim + (0 if noiseless else 1)

    @property
    def size(self) -> int:
        return self.warp_start + (2 * self.dim if self.warp else 0)

    def initial(self) -> np.ndarray:
        vector = [0.0, 0.0] + [self.length_prior_mean] * self.dim + ([] if self.noiseless else [math.log(1e-3)])
        return np.array(vector + [0.0] * (self.size - self.warp_start))

    def widths(self) -> np.ndarray:
        widths = [0.5, 1.0] + [1.0] * self.dim + ([] if self.noiseless else [2.0])
        return np.array(widths + [0.5] * (self.size - self.warp_start))

    def unpack(self, vector: np.ndarray) -> GPHyperparameters:
        noise = NOISELESS_VARIANCE if self.noiseless else math.exp(vector[self.warp_start - 1])
        warp = None
        if self.warp:
            logs = vector[self.warp_start:]
            warp = (np.exp(logs[:self.dim]), np.exp(logs[self.dim:]))
        return GPHyperparameters(
            mean=float(vector[0]), amplitude=math.exp(vector[1]),
            length_scales=np.exp(vector[2:2 + self.dim]), noise=noise, warp=warp,
        )

    def log_prior(self, vector: np.ndarray) -> float:
        """log density of the packed vector (the table of the module docstring); each term is
        a normalized density, so the test can compare it with scipy's."""
        log_lengths = vector[2:2 + self.dim]
        if not (LOG_AMPLITUDE_BOUNDS[0] < vector[1] < LOG_AMPLITUDE_BOUNDS[1]):
            return -math.inf
        if log_lengths.min() < LOG_LENGTH_BOUNDS[0] or log_lengths.max() > LOG_LENGTH_BOUNDS[1]:
            return -math.inf
        total = -0.5 * vector[0] ** 2 - 0.5 * vector[1] ** 2 - 2 * LOG_SQRT_2PI
        centred = log_lengths - self.length_prior_mean
        total += -0.5 * float(centred @ centred) - self.dim * LOG_SQRT_2PI
        if not self.noiseless:
            log_noise = vector[self.warp_start - 1]
            if not (LOG_NOISE_BOUNDS[0] < log_noise < LOG_NOISE_BOUNDS[1]):
                return -math.inf
            # horseshoe density of the variance v (Spearmint's approximation, unnormalized),
            # times dv/dlog v = v for the log parametrization
            total += math.log(math.log1p(3.0 * (HORSESHOE_SCALE / math.exp(log_noise)) ** 2)) + log_noise
        if self.warp:
            logs = vector[self.warp_start:]
            total += warping.log_prior(logs[:self.dim], logs[self.dim:])
        return total


def standardize(values: np.ndarray) -> tuple[np.ndarray, float, float]:
    """values (n,) -> (standardized values, offset, scale); scale 1 for constant values."""
    offset = float(np.mean(values)) if len(values) else 0.0
    scale = float(np.std(values)) if len(values) > 1 else 1.0
    scale = scale if scale > 1e-12 else 1.0
    return (values - offset) / scale, offset, scale


class GaussianProcessEnsemble:
    """Samples GP hyper-parameters by MCMC and returns the fitted members; keeps the chain and
    the pool of the last ``samples`` samples between fits."""

    def __init__(self, rng: np.random.Generator, noiseless: bool = False, settings: MCMCSettings = MCMCSettings(),
                 inputs: np.ndarray | None = None) -> None:
        """``inputs``: the unit-cube columns the GPs read (None: all; see ``FittedEnsemble``)."""
        self.rng = rng
        self.noiseless = noiseless
        self.settings = settings
        self.inputs = None if inputs is None else np.asarray(inputs, dtype=int)
        self._state: np.ndarray | None = None
        self._parameters: _Parameters | None = None
        self._pool: list[np.ndarray] = []
        self.last_evaluations = 0  # factorizations the last fit's sampler needed (benchmarks)

    def fit(self, points: np.ndarray, values: np.ndarray) -> FittedEnsemble:
        """points (n, d) in the unit cube, values (n,) finite -> a FittedEnsemble of
        ``settings.member_count(n)`` GPs. The first call (or a change of dimension) burns the
        chain in and fills the pool; later calls draw ``settings.fresh_samples(n)`` new samples."""
        points = np.atleast_2d(np.asarray(points, dtype=float))
        if self.inputs is not None:
            points = points[:, self.inputs]
        standardized, offset, scale = standardize(np.asarray(values, dtype=float))
        n, settings = len(points), self.settings
        burn_in = 0
        if self._parameters is None or self._parameters.dim != points.shape[1]:
            self._parameters = _Parameters(points.shape[1], self.noiseless, settings.warp)
            self._state = self._parameters.initial()
            self._pool = []
            burn_in = settings.burn_in
        parameters = self._parameters
        subset = np.sort(self.rng.choice(n, settings.subset, replace=False)) if n > settings.subset else slice(None)
        log_posterior = HyperPosterior(points[subset], standardized[subset], parameters)
        if not math.isfinite(log_posterior(self._state)):
            self._state = parameters.initial()
        fresh = settings.fresh_samples(n) if self._pool else settings.samples
        chain = sample_chain(
            log_posterior, self._state, self.rng, parameters.widths(),
            samples=fresh, thinning=settings.thinning, burn_in=burn_in,
        )
        self.last_evaluations = log_posterior.evaluations
        self._state = chain[-1]
        self._pool = (self._pool + list(chain))[-settings.samples:]
        members = tuple(GaussianProcess(points, standardized, parameters.unpack(row)) for row in self._members(n))
        return FittedEnsemble(members, offset, scale, self.inputs)

    def _members(self, n: int) -> list[np.ndarray]:
        """The pool samples the ensemble carries: evenly spaced, newest last (and always in)."""
        pool = self._pool
        count = min(len(pool), self.settings.member_count(n))
        chosen = np.unique(np.round(np.linspace(len(pool) - 1, 0, count)).astype(int))
        return [pool[i] for i in chosen]

    @property
    def state(self) -> np.ndarray | None:
        """The chain's last hyper-parameter vector (None before the first fit)."""
        return None if self._state is None else self._state.copy()
