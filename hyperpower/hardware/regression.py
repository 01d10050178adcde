"""Linear hardware models (paper eq. 1-2, with an intercept): least squares and k-fold CV.

``prediction = intercept + Σ_j coef_j · z_j``. The paper fits power and memory this way on the
structural hyper-parameters and reports the root mean square percentage error (RMSPE) under
10-fold cross-validation; a linear form is also what lets the acquisition evaluate the models on
thousands of candidates at once.

Columns are standardized before solving so that features of very different magnitudes (a
kernel size of 3 next to a parameter count of 10^6) do not make the system ill-conditioned; the
coefficients are mapped back to raw units. A constant column carries no information and gets a
zero coefficient.

The "pairwise" feature set (products of structural variables, ``a*b``) has many more columns
than 40 profiling samples can pin down by least squares, so it is fitted by ridge regression on
the standardized columns, its penalty chosen by exact leave-one-out cross-validation
(``ridge_loo``). Ridge rather than a forward selection: the leave-one-out error of every penalty
comes from one SVD in closed form, so choosing it inside each outer fold (nested, so the reported
``cv_rmspe`` stays honest) costs nothing, and the fit changes smoothly with the data, where a
greedy selection flips features in and out with one sample and costs a CV per candidate feature.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable, Sequence

import numpy as np

from hyperpower.errors import HyperPowerError
from hyperpower.metrics import metric as registered_metric


def least_squares(features: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, float]:
    """features: (n, f), targets: (n,) -> (coef (f,), intercept), minimizing squared error."""
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    targets = np.asarray(targets, dtype=float)
    mean, scale, informative = _standardize(features)
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


#: ridge penalties tried, in units of the sample count on standardized columns (0: least squares)
RIDGE_ALPHAS = (0.0, *np.logspace(-8, 2, 21))


def _standardize(features: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, scale, informative mask): a constant column carries nothing and is left out."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    return mean, scale, scale > 1e-12 * np.maximum(np.abs(mean), 1.0)


def ridge_loo(features: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, float]:
    """Ridge fit (unpenalized intercept) whose penalty minimizes the leave-one-out RMSPE.

    On the centered, standardized design X = U S V^T the ridge hat matrix is
    H = 11^T/n + U diag(s^2/(s^2+alpha)) U^T, and the leave-one-out residual of sample i is
    (y_i - yhat_i) / (1 - H_ii), exact for the standardization of all n samples; each penalty of ``RIDGE_ALPHAS`` (times n) is scored by
    the RMSPE of those residuals, the measure the feature sets are compared by.
    """
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    targets = np.asarray(targets, dtype=float)
    n = len(targets)
    mean, scale, informative = _standardize(features)
    coef = np.zeros(features.shape[1])
    if not informative.any():
        return coef, float(targets.mean())
    design = (features[:, informative] - mean[informative]) / scale[informative]
    u, s, vt = np.linalg.svd(design, full_matrices=False)
    keep = s > 1e-10 * s.max()
    u, s, vt = u[:, keep], s[keep], vt[keep]
    centered = targets - targets.mean()
    projected = u.T @ centered
    best = (math.inf, 0.0)
    for alpha in RIDGE_ALPHAS:
        shrink = s**2 / (s**2 + alpha * n)
        leverage = 1.0 / n + (u**2) @ shrink
        if np.any(leverage >= 1.0 - 1e-9):
            continue
        residual = (centered - u @ (shrink * projected)) / (1.0 - leverage)
        score = float(np.mean((residual / targets) ** 2))
        if score < best[0]:
            best = (score, alpha)
    solution = vt.T @ (s / (s**2 + best[1] * n) * projected)
    coef[informative] = solution / scale[informative]
    return coef, float(targets.mean() - coef[informative] @ mean[informative])


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


Solver = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, float]]


def cross_validated_predictions(features: np.ndarray, targets: np.ndarray, folds: int,
                                rng: np.random.Generator, solver: Solver = least_squares) -> np.ndarray:
    """(n,) out-of-fold predictions: each sample predicted by a fit that never saw it.

    Samples are shuffled with ``rng`` and split into ``min(folds, n)`` nearly equal folds;
    ``solver`` (with whatever it tunes, e.g. the ridge penalty) sees only the training folds.
    """
    features = np.asarray(features, dtype=float).reshape(len(targets), -1)
    targets = np.asarray(targets, dtype=float)
    order = rng.permutation(len(targets))
    predictions = np.empty(len(targets))
    for held_out in np.array_split(order, min(folds, len(targets))):
        training = np.setdiff1d(order, held_out)
        coef, intercept = solver(features[training], targets[training])
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
    #: out-of-fold (measured - predicted) / |predicted| per sample: what calibrated budgets use
    cv_relative_residuals: list[float] = dataclasses.field(default_factory=list)

    @property
    def unit(self) -> str:
        return registered_metric(self.metric).unit

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
            "folds": self.folds, "cv_relative_residuals": [float(r) if math.isfinite(r) else None for r in self.cv_relative_residuals],
        }


def fit_linear_model(metric: str, feature_names: Sequence[str], features: np.ndarray, targets: np.ndarray,
                     *, folds: int = 10, rng: np.random.Generator, feature_set: str = "hyperparameters",
                     device: str = "", solver: Solver = least_squares) -> LinearFit:
    """A fit on all samples (least squares unless ``solver`` says otherwise) plus ``folds``-fold
    cross-validated RMSPE, R² and relative residuals ((measured - predicted) / |predicted|).

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
    coef, intercept = solver(features, targets)
    folds = max(2, min(folds, len(targets)))
    out_of_fold = cross_validated_predictions(features, targets, folds, rng, solver)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (targets - out_of_fold) / np.abs(out_of_fold)
    return LinearFit(
        metric=metric, features=list(feature_names), coef=coef.tolist(), intercept=intercept,
        samples=len(targets), folds=folds, cv_rmspe=rmspe(targets, out_of_fold),
        cv_r2=r_squared(targets, out_of_fold), train_rmspe=rmspe(targets, intercept + features @ coef),
        feature_set=feature_set, device=device,
        cv_relative_residuals=[float(r) if math.isfinite(r) else math.inf for r in relative],
    )


#: cheapest first: one dot product per candidate for the first two, a Keras build for "network"
COST_ORDER = ("hyperparameters", "pairwise", "network")
#: a costlier or richer feature set must bring the cross-validated RMSPE to at most this share
IMPROVEMENT = 0.8
MIN_R2 = 0.5


def choose_fit(fits: dict[str, LinearFit], improvement: float = IMPROVEMENT, min_r2: float = MIN_R2) -> LinearFit:
    """THE rule (README "Hardware", the profile report and ``--features auto`` say the same):
    walk the feature sets from cheapest to costliest (``COST_ORDER``); each replaces the one kept
    so far only when its cross-validated RMSPE is at most ``improvement`` (0.8) times the kept
    one's, a fifth lower, and its cross-validated R² is at least ``min_r2`` (0.5).

    Relative, not in points: memory at 1.8% against 0.2% RMSPE is a ninefold better model though
    only 1.6 points apart. The R² floor: when no set explains the measurements (noise-dominated,
    as the latency of tiny networks on a busy CPU), a lower RMSPE is luck and the cheap model
    stays. Which sets are candidates is the caller's affair (``profile_models`` leaves "network"
    out on spaces with too many networks to build per candidate).
    """
    ordered = [fits[name] for name in COST_ORDER if name in fits]
    ordered += [fit for name, fit in fits.items() if name not in COST_ORDER]
    kept = ordered[0]
    for fit in ordered[1:]:
        if not math.isfinite(kept.cv_rmspe) or (fit.cv_rmspe <= improvement * kept.cv_rmspe and fit.cv_r2 >= min_r2):
            kept = fit
    return kept
