"""A-priori hardware models (paper eq. 1-2) and the budgets they make checkable before training.

A ``LinearModel`` is the JSON of design §7: ``prediction = intercept + Σ coef_j · feature_j``.
Features are variable names whose values are taken after template transforms (``conv1 * 16``
rather than the optimizer's ``conv1``), or, for a model of ``feature_set`` "network", computed
features (FLOPs, parameter counts, ...) that a ``feature_function(network_params) -> {name:
value}`` supplies. A feature ``name=option`` is the one-hot indicator of an ENUM choice (1 when
``name`` takes ``option``, else 0: NAS-style spaces are categorical and their latency is close to
additive over the chosen operations). A feature ``a*b`` is the product of two such values (the "pairwise" feature
set: weight counts are products of adjacent layer sizes); a reader that predates products finds
no variable named ``a*b`` and refuses the model, naming the feature, rather than mispredicting.
``predict_unit`` evaluates the model on thousands of unit-cube candidates at once, products
included, which is what lets HW-IECI reject infeasible points inside the acquisition search.

A profiled model file also keeps ``cv_relative_residuals``, the out-of-fold (measured -
predicted) / |predicted| of its profiling samples, from which ``conformal_quantile`` sizes the
calibrated budgets of ``--violation-rate``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
from scipy.special import ndtr

from hyperpower.errors import ConfigError
from hyperpower.optimize.acquisition import model_feasibility_probability
from hyperpower.optimize.encoding import network_columns
from hyperpower.space import SearchSpace
from hyperpower.units import format_value

FeatureFunction = Callable[[dict], dict]
_INDEXED = re.compile(r"^(\w+)\[(\d+)\]$")
_FIELDS = ("metric", "unit", "features", "coef", "intercept", "device", "samples", "cv_rmspe", "feature_set")


def feature_value(values: dict[str, Any], feature: str) -> Any:
    """A feature's value: ``name``, ``name[i]`` for an element of a size-k variable, ``name=option``
    for an ENUM's one-hot indicator, or ``a*b`` for the product of two of those."""
    if feature in values:
        return values[feature]
    if "=" in feature and "*" not in feature:
        name, option = feature.split("=", 1)
        return float(_option_text(feature_value(values, name)) == option)
    match = _INDEXED.match(feature)
    if match and match.group(1) in values:
        return values[match.group(1)][int(match.group(2))]
    if "*" in feature:
        left, right = feature.split("*", 1)
        return float(feature_value(values, left)) * float(feature_value(values, right))
    raise KeyError(feature)


@dataclasses.dataclass
class LinearModel:
    """metric (e.g. "power"), unit ("W"), features, coef (same length), intercept; provenance
    (device, samples, cv_rmspe: the 10-fold cross-validated RMSPE as a fraction)."""

    metric: str
    features: list[str]
    coef: list[float]
    intercept: float = 0.0
    unit: str = ""
    device: str = ""
    samples: int = 0
    cv_rmspe: float | None = None
    feature_set: str | None = None
    feature_function: FeatureFunction | None = dataclasses.field(default=None, repr=False, compare=False)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict, repr=False)
    #: where the model came from (a file path), for error messages; not saved
    source: str = dataclasses.field(default="", repr=False, compare=False)

    def __post_init__(self) -> None:
        self.features = [str(f) for f in self.features]
        self.coef = [float(c) for c in self.coef]
        self.intercept = float(self.intercept)
        if len(self.features) != len(self.coef):
            raise ConfigError(f"model for {self.metric!r}: {len(self.features)} features but {len(self.coef)} coefficients")
        if not all(math.isfinite(c) for c in self.coef + [self.intercept]):
            raise ConfigError(f"model for {self.metric!r}: coefficients and intercept must be finite numbers")
        if self.cv_rmspe is not None:
            self.cv_rmspe = _fraction(self.metric, self.cv_rmspe)


    # -- single configuration -----------------------------------------------------------------
    def feature_values(self, network_params: dict[str, Any]) -> np.ndarray:
        """(f,) feature values of one configuration (network values, after transforms)."""
        source = self.feature_function(network_params) if self.feature_function else network_params
        missing = [f for f in self.features if not _has(source, f)]
        if missing:
            raise ConfigError(self._missing_message(missing, "the configuration's values"))
        values = [feature_value(source, f) for f in self.features]
        try:
            return np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise ConfigError(f"model for {self.metric!r}: features {self.features} must be numbers, got {values!r}") from None

    def predict(self, network_params: dict[str, Any]) -> float:
        """Predicted metric for one configuration given its network values."""
        return float(self.intercept + self.feature_values(network_params) @ np.array(self.coef))

    # -- many unit-cube points ----------------------------------------------------------------
    def missing_features(self, space: SearchSpace) -> list[str]:
        """Features that are not variables of ``space`` (all right when a feature_function is set)."""
        if self.feature_function is not None:
            return []
        elements = {name: list(range(space[name].size)) for name in space.names}
        return [f for f in self.features if not _has(elements, f) or not _option_exists(space, f)]

    def check_space(self, space: SearchSpace) -> None:
        """ConfigError naming the features the model needs but the space cannot provide."""
        missing = self.missing_features(space)
        if missing:
            raise ConfigError(self._missing_message(missing, f"the search space's variables ({', '.join(space.names)})"))

    def predict_unit(self, space: SearchSpace, points: np.ndarray) -> np.ndarray:
        """(n, dim) unit-cube points -> (n,) predictions (decode -> network values -> model)."""
        points = np.atleast_2d(points)
        if self.feature_function is not None:
            rows = [self.feature_values(space.network_params(space.from_unit(p))) for p in points]
            features = np.array(rows).reshape(len(points), len(self.features))
        else:
            self.check_space(space)
            columns = network_columns(space, points)
            try:
                features = np.zeros((len(points), len(self.features)))
                for index, feature in enumerate(self.features):
                    features[:, index] = _column(columns, feature)
            except (TypeError, ValueError):
                raise ConfigError(f"model for {self.metric!r}: features {self.features} must be numeric variables") from None
        return self.intercept + features @ np.array(self.coef)

    def conformal_quantile(self, rate: float) -> float:
        """q such that at most a fraction ``rate`` of configurations measure over prediction ×
        (1 + q): the ceil((n+1)(1-rate))-th smallest of the n cross-validated relative residuals
        (split-conformal; the out-of-fold predictions play the calibration set). It holds for
        the accepted configurations too when the relative error does not depend on where in the
        space a configuration lies, which is why the residuals are relative."""
        where = self.source or f"the {self.metric} model"
        residuals = self.extra.get("cv_relative_residuals")
        if not isinstance(residuals, list) or not residuals:
            raise ConfigError(f"{where}: --violation-rate needs the model's cross-validation residuals "
                              "('cv_relative_residuals'), which this model file lacks (profiled by an older "
                              "HyperPower, or written by hand); profile again with `hyperpower profile EXP "
                              f"--metrics {self.metric}` and use the new file, or use --model-margin instead")
        scores = []
        for value in residuals:
            if value is None:
                scores.append(math.inf)
            elif isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
                raise ConfigError(f"{where}: 'cv_relative_residuals' must be numbers (null for a zero prediction), "
                                  f"got {value!r}")
            else:
                scores.append(float(value))
        rank = math.ceil((len(scores) + 1) * (1.0 - rate) - 1e-9)  # 20 * 0.95 is 19, not 19.000000001
        if rank > len(scores):
            raise ConfigError(f"{where}: --violation-rate {rate:g} needs at least {math.ceil(1 / rate) - 1} "
                              f"profiling samples to be calibrated, the model has {len(scores)}; profile with "
                              f"more (`hyperpower profile EXP --samples N`) or allow a larger rate")
        return max(0.0, sorted(scores)[rank - 1])

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of design §7 (the feature function is code and is not saved)."""
        data = {name: getattr(self, name) for name in _FIELDS}
        if data["feature_set"] is None:
            del data["feature_set"]
        return {**self.extra, **data}

    def _missing_message(self, missing: list[str], where: str) -> str:
        return (
            f"model for {self.metric!r} (feature_set {self.feature_set or 'variables'!r}) uses features "
            f"{', '.join(missing)} that are not in {where}; features must be variable names, or the "
            "model needs a feature_function that computes them from the network's values"
        )


def _fraction(metric: str, value: Any) -> float:
    """cv_rmspe as a float: a finite number >= 0 (it is reported, and sizes the model margin)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ConfigError(f"model for {metric!r}: cv_rmspe must be a finite number >= 0 (a fraction: 0.043 = 4.3%) "
                          f"or absent, got {value!r}")
    return float(value)


def _column(columns: dict[str, np.ndarray], feature: str) -> np.ndarray:
    """(n,) values of a feature from decoded columns; ``name[i]`` picks column i of (n, size),
    ``a*b`` multiplies two columns elementwise."""
    if feature in columns:
        return np.asarray(columns[feature], dtype=float)
    match = _INDEXED.match(feature)
    if match and match.group(1) in columns:
        return np.asarray(columns[match.group(1)][:, int(match.group(2))], dtype=float)
    if "=" in feature and "*" not in feature:
        name, option = feature.split("=", 1)
        return np.array([_option_text(v) == option for v in _column_values(columns, name)], dtype=float)
    left, right = feature.split("*", 1)
    return _column(columns, left) * _column(columns, right)


def _option_text(value: Any) -> str:
    """An ENUM value as a one-hot feature names it (``edge0=nor_conv_3x3``, ``act=relu``, ``k=3``)."""
    return str(value)


def _option_exists(space: SearchSpace, feature: str) -> bool:
    """A one-hot factor names an ENUM variable and one of its options (a typo would silently
    predict as if that option were never chosen)."""
    for factor in feature.split("*"):
        if "=" not in factor:
            continue
        name, option = factor.split("=", 1)
        name = _INDEXED.sub(r"\1", name)
        variable = space[name] if name in space.names else None
        if variable is None or not variable.options or option not in {_option_text(o) for o in variable.options}:
            return False
    return True


def _column_values(columns: dict[str, np.ndarray], name: str) -> np.ndarray:
    """The raw (possibly non-numeric) values of a variable or ``name[i]`` element."""
    if name in columns:
        return np.asarray(columns[name])
    match = _INDEXED.match(name)
    if match and match.group(1) in columns:
        return np.asarray(columns[match.group(1)])[:, int(match.group(2))]
    raise KeyError(name)


def _has(values: dict[str, Any], feature: str) -> bool:
    """Whether ``feature`` can be looked up in ``values`` (for ``a*b``: both factors can)."""
    if feature not in values and "*" in feature:
        return all(_has(values, factor) for factor in feature.split("*", 1))
    try:
        feature_value(values, feature)
    except (KeyError, IndexError, TypeError):
        return False
    return True


def load_linear_model(source: str | Path | dict[str, Any], feature_function: FeatureFunction | None = None) -> LinearModel:
    """A model from a JSON file path or an already-parsed dict; ConfigError names the file and
    the field at fault."""
    where = "inline model"
    if isinstance(source, dict):
        data = source
    else:
        where = str(source)
        try:
            text = Path(source).read_text()
        except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
            raise ConfigError(f"{where}: cannot read model file ({exc.strerror or exc})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{where}:{exc.lineno}:{exc.colno}: invalid JSON in model file: {exc.msg}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: a model must be a JSON object with metric, features, coef, intercept")
    missing = [key for key in ("metric", "features", "coef") if key not in data]
    if missing:
        raise ConfigError(f"{where}: model is missing {', '.join(repr(k) for k in missing)} "
                          f"(a model file as `hyperpower profile` writes it into EXP/models/)")
    if not isinstance(data["features"], list) or not isinstance(data["coef"], list):
        raise ConfigError(f"{where}: 'features' and 'coef' must be lists")
    fields = {key: data[key] for key in _FIELDS if key in data}
    extra = {key: value for key, value in data.items() if key not in _FIELDS}
    try:
        return LinearModel(**fields, feature_function=feature_function, extra=extra,
                           source=where if where != "inline model" else "")
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: bad value in model: {exc}") from None


@dataclasses.dataclass(frozen=True)
class ModelBudget:
    """An a-priori model and the threshold its prediction must stay under: the budget (value <=
    budget), tightened by ``--model-margin`` or ``--violation-rate`` where one is given.

    With ``learned`` (a ``learned_model`` over this model: the model learns from measurements)
    the decision at a point the measurements inform is taken on the learned prediction: its mean
    plus ``sds`` predictive standard deviations (of a new measurement) must stay under ``limit``,
    the user's budget. Elsewhere, and always before the metric's first measurement, the a-priori
    rule above decides, so a run with no measurement is the paper's run exactly.
    """

    model: LinearModel
    budget: float
    learned: Any = None
    limit: float | None = None
    sds: float = 0.0
    #: the standard deviations ``--model-margin`` / ``--violation-rate`` asked for, when ``sds`` had
    #: to be lower for now (``attainable_sds``); None when ``sds`` is what was asked
    requested_sds: float | None = None

    def predictions(self, space: SearchSpace, points: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n,) the learned mean where measurements inform it, else the model's value."""
        if self.learned is None:
            return self.model.predict_unit(space, points)
        return self.learned.predict(points).mean

    def feasible(self, space: SearchSpace, points: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n,) True where the budget is predicted to hold (see the class docstring)."""
        if self.learned is None:
            return self.model.predict_unit(space, points) <= self.budget
        prediction = self.learned.predict(points)
        learned = prediction.mean + self.sds * prediction.predictive_sd <= self._limit
        return np.where(prediction.learned, learned, prediction.mean <= self.budget)

    def probability(self, space: SearchSpace, points: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n,) Pr(budget holds), HW-CWEI's soft form of ``feasible``: the model's
        value with its cross-validated error against the tightened threshold; learned, the
        predictive distribution of a measurement against the limit, shifted by ``sds``."""
        if self.learned is None:
            return model_feasibility_probability(self.model.predict_unit(space, points), self.budget, self.model.cv_rmspe)
        prediction = self.learned.predict(points)
        a_priori = model_feasibility_probability(prediction.mean, self.budget, self.model.cv_rmspe)
        spread = np.maximum(prediction.predictive_sd, 1e-12 * np.maximum(np.abs(prediction.mean), 1.0))
        learned = ndtr((self._limit - prediction.mean) / spread - self.sds)
        return np.where(prediction.learned, learned, a_priori)

    def attainable_sds(self, points: np.ndarray, share: float) -> float:
        """The standard deviations a learned rule can keep while at least ``share`` of ``points``
        (a fixed sample of the space) still passes: ``sds`` when that many already do, less
        (never below 0, the corrected mean itself) while the measurements are too few to make
        any configuration that sure (early in a run the learned spread is wide)."""
        prediction = self.learned.predict(points)
        if not prediction.learned.any():
            return self.sds
        spread = np.maximum(prediction.predictive_sd, 1e-12)
        margins = ((self._limit - prediction.mean) / spread)[prediction.learned]
        return float(min(self.sds, max(0.0, np.quantile(margins, 1.0 - share))))

    def rule_text(self) -> str:
        """What a configuration must satisfy, for messages: ``latency <= 2.291 ms``, or the learned
        rule once the model has measurements."""
        metric = self.model.metric
        if self.learned is None or not self.learned.measurements:
            return f"{metric} <= {format_value(metric, self.budget)}"
        spread = f" + {self.sds:.3g} predictive standard deviations" if self.sds else ""
        relaxed = (f" (relaxed from {self.requested_sds:.3g} while no configuration is that sure)"
                   if self.requested_sds is not None and self.requested_sds > self.sds else "")
        return (f"{metric}: the model corrected by {self.learned.measurements} measurements{spread} <= "
                f"{format_value(metric, self._limit)}{relaxed}")

    @property
    def _limit(self) -> float:
        return self.budget if self.limit is None else self.limit


class KnownConstraints:
    """All model-checkable budgets of an experiment, evaluated on unit-cube points."""

    def __init__(self, space: SearchSpace, budgets: list[ModelBudget]) -> None:
        self.space = space
        self.budgets = list(budgets)

    def __bool__(self) -> bool:
        return bool(self.budgets)

    def predictions(self, points: np.ndarray) -> dict[str, np.ndarray]:
        """(n, dim) -> {metric: (n,) predictions} (learned ones where the models learn)."""
        return {b.model.metric: b.predictions(self.space, points) for b in self.budgets}

    def feasible(self, points: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n,) True where every budget is predicted to hold."""
        mask = np.ones(len(np.atleast_2d(points)), dtype=bool)
        for budget in self.budgets:
            mask &= budget.feasible(self.space, points)
        return mask
