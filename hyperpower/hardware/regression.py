"""Linear hardware models (paper eq. 1-2, with an intercept): least squares and k-fold CV.

``prediction = intercept + Σ_j coef_j · z_j``. The paper fits power and memory this way on the
structural hyper-parameters and reports the root mean square percentage error (RMSPE) under
10-fold cross-validation; a linear form is also what lets the acquisition evaluate the models on
thousands of candidates at once.

Columns are standardized before solving so that features of very different magnitudes (a
kernel size of 3 next to a parameter count of 10^6) do not make the system ill-conditioned; the
coefficients are mapped back to raw units. A constant column carries no information and gets a
zero coefficient.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Sequence

import numpy as np

from hyperpower.errors import HyperPowerError
from hyperpower.units import METRIC_UNITS


def least_squares(features: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, float]:
    """features: (n, f), targets: (n,) -> (coef (f,), intercept), minimizing squared error."""
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    targets = np.asarray(targets, dtype=float)
    mean, scale = features.mean(axis=0), features.std(axis=0)
    informative = scale > 1e-12 * np.maximum(np.abs(mean), 1.0)
    coef = np.zeros(features.shape[1])
    if informative.any():
        standardized = (features[:, informative] - mean[informative]) / scale[informative]
        design = np.column_stack([standardized, np.ones(len(targets))])
        solution, *_ = np.linalg.lstsq(design, targets, rcond=None)
        coef[informative] = solution[:-1] / scale[informative]
        intercept = float(solution[-1] - coef[informative] @ mean[informative])
    else:
        intercept = float(targets.mean())
    return coef, intercept


def rmspe(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Root mean square percentage error as a fraction (0.043 = 4.3 %), the paper's Table 1
    measure: sqrt(mean(((predicted - actual) / actual)**2)). Pairs whose actual value is 0 are
    left out (their percentage error is undefined); NaN when none is left."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    usable = actual != 0
    if not usable.any():
        return math.nan
    relative = (predicted[usable] - actual[usable]) / actual[usable]
    return float(np.sqrt(np.mean(relative**2)))


def r_squared(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Coefficient of determination; 1 is perfect, 0 is no better than the mean, can be < 0."""
    actual, predicted = np.asarray(actual, dtype=float), np.asarray(predicted, dtype=float)
    total = float(np.sum((actual - actual.mean()) ** 2))
    residual = float(np.sum((actual - predicted) ** 2))
    return 1.0 - residual / total if total > 0 else (1.0 if residual == 0 else 0.0)


def cross_validated_predictions(features: np.ndarray, targets: np.ndarray, folds: int,
                                rng: np.random.Generator) -> np.ndarray:
    """(n,) out-of-fold predictions: each sample predicted by a fit that never saw it.

    Samples are shuffled with ``rng`` and split into ``min(folds, n)`` nearly equal folds.
    """
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    targets = np.asarray(targets, dtype=float)
    order = rng.permutation(len(targets))
    predictions = np.empty(len(targets))
    for held_out in np.array_split(order, min(folds, len(targets))):
        training = np.setdiff1d(order, held_out)
        coef, intercept = least_squares(features[training], targets[training])
        predictions[held_out] = intercept + features[held_out] @ coef
    return predictions


@dataclasses.dataclass
class LinearFit:
    """A fitted model and how well it cross-validates (RMSPE as a fraction, R²)."""

    metric: str
    features: list[str]
    coef: list[float]
    intercept: float
    samples: int
    folds: int
    cv_rmspe: float
    cv_r2: float
    train_rmspe: float
    feature_set: str
    device: str = ""

    @property
    def unit(self) -> str:
        return METRIC_UNITS.get(self.metric, "")

    def predict(self, features: np.ndarray) -> np.ndarray:
        """features: (n, f) in the order of ``self.features`` -> (n,) predictions."""
        return self.intercept + np.atleast_2d(np.asarray(features, dtype=float)) @ np.asarray(self.coef)

    def to_json(self) -> dict[str, Any]:
        """Design §7 model file, plus feature_set, cv_r2, train_rmspe and folds."""
        return {
            "metric": self.metric, "unit": self.unit, "features": list(self.features),
            "coef": [float(c) for c in self.coef], "intercept": float(self.intercept),
            "device": self.device, "samples": self.samples, "cv_rmspe": self.cv_rmspe,
            "feature_set": self.feature_set, "cv_r2": self.cv_r2, "train_rmspe": self.train_rmspe,
            "folds": self.folds,
        }


def fit_linear_model(metric: str, feature_names: Sequence[str], features: np.ndarray, targets: np.ndarray,
                     *, folds: int = 10, rng: np.random.Generator, feature_set: str = "hyperparameters",
                     device: str = "") -> LinearFit:
    """Least-squares fit on all samples plus ``folds``-fold cross-validated RMSPE and R².

    features: (n, f) sample values, columns named by ``feature_names``; targets: (n,) measured
    metric, all non-zero (RMSPE divides by them).
    """
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    targets = np.asarray(targets, dtype=float)
    if features.shape[1] != len(feature_names):
        raise ValueError(f"{features.shape[1]} feature columns but {len(feature_names)} names")
    if len(targets) < 3:
        raise HyperPowerError(f"fitting a {metric} model needs at least 3 profiling samples, got {len(targets)} (--samples)")
    if not np.all(np.isfinite(targets)) or np.any(targets == 0):
        raise HyperPowerError(f"the measured {metric} values include zero or non-finite values; RMSPE is undefined")
    coef, intercept = least_squares(features, targets)
    folds = max(2, min(folds, len(targets)))
    out_of_fold = cross_validated_predictions(features, targets, folds, rng)
    return LinearFit(
        metric=metric, features=list(feature_names), coef=coef.tolist(), intercept=intercept,
        samples=len(targets), folds=folds, cv_rmspe=rmspe(targets, out_of_fold),
        cv_r2=r_squared(targets, out_of_fold), train_rmspe=rmspe(targets, intercept + features @ coef),
        feature_set=feature_set, device=device,
    )


def choose_fit(fits: dict[str, LinearFit], margin: float = 0.02, min_r2: float = 0.5) -> LinearFit:
    """The fit to use by default: "hyperparameters" unless "network" is clearly better.

    A network-feature model needs the network rendered and built for every distinct structural
    configuration the optimizer scores (cached, ~0.3 s each for digits on a CPU), while a
    hyper-parameter model is one dot product. So the network model must earn its cost: a
    cross-validated RMSPE lower by more than ``margin`` (2 points), and a cross-validated R² of
    at least ``min_r2`` — when neither model explains the measurements (noise-dominated, as the
    latency of tiny networks on a busy CPU), a lower RMSPE is luck and the cheap model wins.
    """
    base = fits.get("hyperparameters")
    network = fits.get("network")
    if base is None or not math.isfinite(base.cv_rmspe):
        return network if network is not None else base
    if network is not None and network.cv_rmspe < base.cv_rmspe - margin and network.cv_r2 >= min_r2:
        return network
    return base
