"""Acquisition functions that compose by wrapping (all minimize the objective).

An acquisition is any callable ``(m, d) candidates -> (m,) scores``, higher is better:

* ``ExpectedImprovement(model, best)``: EI of one GP below ``best`` (y+).
* ``AverageOverSamples(acquisitions)``: the MCMC integral, one acquisition per GP sample.
* ``SampleAveragedEI(ensemble, best)`` / ``SampleAveragedFeasibility(ensemble, ...)``: the same
  integrals over a fitted ensemble whose ``predict`` gives every sample at once (one batch per
  call, ``gp.StackedGaussianProcesses``), which is what the strategies use.
* ``ProbabilityOfFeasibility(model, threshold, feasible_below)``: Pr(constraint satisfied) from
  a GP on measured constraint values (Gelbart et al.; Spearmint's CONSTRAINT tasks).
* ``ModelFeasibilityProbability(predict, budget, relative_error)``: Pr(model value <= budget)
  when an a-priori model with a known relative error predicts the constraint (paper §3.5).
* ``ConstraintWeightedEI(base, probabilities)``: base × Π probabilities (CWEI); ``base=None``
  when no feasible point is known yet, so the search first looks for feasibility.
* ``KnownConstraintEI(base, feasible)``: base × Π 1[model <= budget] (HW-IECI, paper eq. 3).

``build``-ing a method's acquisition from these pieces is the optimizer's job
(``optimizer.ACQUISITION_BUILDERS``); nothing here knows about jobs or configs.
"""

from __future__ import annotations

from typing import Callable, Protocol, Sequence

import numpy as np
from scipy.special import ndtr

Acquisition = Callable[[np.ndarray], np.ndarray]
INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


class Predictor(Protocol):
    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (m,), variance (m,)."""


class SamplePredictor(Protocol):
    def predict(self, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(m, d) -> mean (s, m), variance (s, m): one row per hyper-parameter sample."""


def expected_improvement(mean: np.ndarray, variance: np.ndarray, best: float) -> np.ndarray:
    """E[max(best - Y, 0)] for Y ~ N(mean, variance), elementwise (minimization)."""
    sigma = np.sqrt(np.maximum(variance, 1e-300))
    z = (best - mean) / sigma
    return np.maximum(sigma * (z * ndtr(z) + INV_SQRT_2PI * np.exp(-0.5 * z * z)), 0.0)


class ExpectedImprovement:
    """EI of one GP (one hyper-parameter sample) below the incumbent ``best``."""

    def __init__(self, model: Predictor, best: float) -> None:
        self.model = model
        self.best = float(best)

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        mean, variance = self.model.predict(candidates)
        return expected_improvement(mean, variance, self.best)


class ProbabilityOfFeasibility:
    """Pr(g(x) <= threshold) (``feasible_below``) or Pr(g(x) >= threshold) under one GP on g."""

    def __init__(self, model: Predictor, threshold: float, feasible_below: bool = True) -> None:
        self.model = model
        self.threshold = float(threshold)
        self.feasible_below = feasible_below

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        mean, variance = self.model.predict(candidates)
        z = (self.threshold - mean) / np.sqrt(np.maximum(variance, 1e-300))
        return ndtr(z if self.feasible_below else -z)


class ModelFeasibilityProbability:
    """Pr(model(x) + error <= budget) with error ~ N(0, (relative_error · model(x))^2).

    ``predict``: (m, d) -> (m,) model predictions. ``relative_error`` is the model's
    cross-validated RMSPE; without one the probability is the hard indicator.
    """

    def __init__(self, predict: Callable[[np.ndarray], np.ndarray], budget: float, relative_error: float | None) -> None:
        self.predict = predict
        self.budget = float(budget)
        self.relative_error = relative_error

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        return model_feasibility_probability(self.predict(candidates), self.budget, self.relative_error)


def model_feasibility_probability(predicted: np.ndarray, budget: float, relative_error: float | None) -> np.ndarray:
    """(m,) model predictions -> Pr(prediction + error <= budget), error ~ N(0, (relative_error ·
    prediction)^2); the hard indicator without a relative error."""
    predicted = np.asarray(predicted, dtype=float)
    if not relative_error or relative_error <= 0:
        return (predicted <= budget).astype(float)
    sigma = np.maximum(relative_error * np.abs(predicted), 1e-12)
    return ndtr((budget - predicted) / sigma)


class AverageOverSamples:
    """Mean of one acquisition per MCMC sample: the hyper-parameter integral of Spearmint."""

    def __init__(self, acquisitions: Sequence[Acquisition]) -> None:
        if not acquisitions:
            raise ValueError("AverageOverSamples needs at least one acquisition")
        self.acquisitions = list(acquisitions)

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        return np.mean([acquisition(candidates) for acquisition in self.acquisitions], axis=0)


class SampleAveragedEI:
    """EI averaged over the samples of an ensemble, ``best`` (s,) one incumbent per sample:
    equal to ``AverageOverSamples`` of one ``ExpectedImprovement`` per member."""

    def __init__(self, ensemble: SamplePredictor, best: np.ndarray) -> None:
        self.ensemble = ensemble
        self.best = np.asarray(best, dtype=float)[:, None]

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        mean, variance = self.ensemble.predict(candidates)
        return expected_improvement(mean, variance, self.best).mean(axis=0)


class SampleAveragedFeasibility:
    """Pr(constraint satisfied) averaged over the samples of an ensemble on g (as
    ``AverageOverSamples`` of one ``ProbabilityOfFeasibility`` per member)."""

    def __init__(self, ensemble: SamplePredictor, threshold: float, feasible_below: bool = True) -> None:
        self.ensemble = ensemble
        self.threshold = float(threshold)
        self.feasible_below = feasible_below

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        mean, variance = self.ensemble.predict(candidates)
        z = (self.threshold - mean) / np.sqrt(np.maximum(variance, 1e-300))
        return ndtr(z if self.feasible_below else -z).mean(axis=0)


class ConstraintWeightedEI:
    """base(x) × Π_k p_k(x); with ``base`` None, only the product (find feasibility first)."""

    def __init__(self, base: Acquisition | None, probabilities: Sequence[Acquisition]) -> None:
        self.base = base
        self.probabilities = list(probabilities)

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        score = np.ones(len(candidates)) if self.base is None else self.base(candidates)
        for probability in self.probabilities:
            score = score * probability(candidates)
        return score


class KnownConstraintEI:
    """base(x) × 1[x feasible under the a-priori models]; ``feasible``: (m, d) -> (m,) bool."""

    def __init__(self, base: Acquisition, feasible: Callable[[np.ndarray], np.ndarray]) -> None:
        self.base = base
        self.feasible = feasible

    def __call__(self, candidates: np.ndarray) -> np.ndarray:
        return np.where(self.feasible(candidates), self.base(candidates), 0.0)
