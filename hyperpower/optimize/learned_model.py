"""A-priori models that learn from measurements: a model file as the prior mean of a residual GP.

``LearnedModel`` adapts ``residual_gp`` to the search space: its inputs are the unit-cube columns
of the variables the model reads (one length scale per variable, the one-hot columns of an ENUM
together), its prior mean the model's prediction, its data the values the experiment's jobs
measured. A ``PerDeviceModel`` (the device as a variable) learns one residual per device from
the jobs run there.

``predict`` answers the question every acquisition asks, "mean and variance here": the measured
value's mean and the latent and noise variances, plus ``learned``, which is False where the model
has no measurement yet (then the mean is the model's value exactly and the variance zero, and
the callers keep the paper's a-priori rules there). So before the first measurement a run is the
pure a-priori run, and the correction fades in with data.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from typing import Any

import numpy as np

from hyperpower.optimize.constraints import LinearModel
from hyperpower.optimize.device_models import PerDeviceModel
from hyperpower.optimize.residual_gp import ResidualFit, ResidualProcess, ResidualSettings
from hyperpower.space import SearchSpace

_NAME = re.compile(r"^(\w+)")


@dataclasses.dataclass(frozen=True)
class Prediction:
    """mean (k,) of the measured value, latent variance (k,), noise variance (k,) and learned
    (k,) bool: where a measurement informs the prediction (else mean is the model's value)."""

    mean: np.ndarray
    variance: np.ndarray
    noise: np.ndarray
    learned: np.ndarray

    @property
    def predictive_sd(self) -> np.ndarray:
        """Standard deviation of a new measurement: what a budget decision weighs."""
        return np.sqrt(self.variance + self.noise)


def model_variables(model: LinearModel, space: SearchSpace, exclude: tuple[str, ...] = ()) -> list[str]:
    """The variables of ``space`` the model's value depends on, in the space's order: those named
    by its features (``name``, ``name[i]``, ``name=option``, ``a*b``), or for a model on computed
    network features the structural variables its file records (every variable without a record)."""
    if model.feature_function is None:
        named = {_NAME.match(factor).group(1) for feature in model.features for factor in feature.split("*")
                 if _NAME.match(factor)}
    else:
        recorded = model.extra.get("structural")
        named = set(recorded) if isinstance(recorded, (dict, list)) and recorded else set(space.names)
    return [name for name in space.names if name in named and name not in exclude]


class LearnedModel:
    """One linear model as the prior mean of a residual GP over ``space``'s unit cube."""

    def __init__(self, model: LinearModel, space: SearchSpace, rng: np.random.Generator,
                 settings: ResidualSettings = ResidualSettings(), exclude: tuple[str, ...] = ()) -> None:
        self.model = model
        self.space = space
        names = model_variables(model, space, exclude)
        slices = [space.slice_of(name) for name in names]
        self.columns = np.concatenate([np.arange(s.start, s.stop) for s in slices]) if slices else np.zeros(0, dtype=int)
        groups, start = [], 0
        for s in slices:
            groups.append(np.arange(start, start + s.stop - s.start))
            start += s.stop - s.start
        self.process = ResidualProcess(groups, model.cv_rmspe, rng, settings)
        self.fit: ResidualFit | None = None
        self.measurements = 0
        self._key: bytes | None = None

    @property
    def metric(self) -> str:
        return self.model.metric

    def update(self, points: np.ndarray, values: np.ndarray) -> None:
        """Condition on every measurement so far: points (n, dim) of the jobs, values (n,)
        measured. Refits (one MCMC continuation) only when the data changed."""
        points = np.atleast_2d(np.asarray(points, dtype=float)).reshape(len(values), self.space.dim)
        values = np.asarray(values, dtype=float)
        key = points.tobytes() + values.tobytes()
        if key == self._key:
            return
        self._key, self.measurements = key, len(values)
        if len(values) == 0:
            self.fit = None
            return
        self.fit = self.process.fit(points[:, self.columns], self.model.predict_unit(self.space, points), values)

    def snapshot(self) -> "LearnedModel":
        """This model as conditioned now, unchanged by later updates: what one suggestion's
        acquisition holds (an update replaces ``fit``, it never changes one)."""
        return copy.copy(self)

    def predict(self, points: np.ndarray) -> Prediction:
        """(k, dim) unit-cube points -> the corrected prediction there."""
        points = np.atleast_2d(points)
        prior = self.model.predict_unit(self.space, points)
        if self.fit is None:
            zeros = np.zeros(len(points))
            return Prediction(prior, zeros, zeros.copy(), np.zeros(len(points), dtype=bool))
        mean, variance, noise = self.fit.predict(points[:, self.columns], prior)
        return Prediction(mean, variance, noise, np.ones(len(points), dtype=bool))


class PerDeviceLearnedModel:
    """The device as a variable: one ``LearnedModel`` per device, each fitted on its own jobs."""

    def __init__(self, model: PerDeviceModel, space: SearchSpace, rng: np.random.Generator,
                 settings: ResidualSettings = ResidualSettings()) -> None:
        self.model = model
        self.space = space
        self.options = [str(option) for option in space[model.variable].options]
        self.by_device = {device: LearnedModel(model.models[device], space,
                                               np.random.Generator(rng.bit_generator.jumped(index + 1)), settings,
                                               exclude=(model.variable,)) for index, device in enumerate(self.options)}

    @property
    def metric(self) -> str:
        return self.model.metric

    @property
    def measurements(self) -> int:
        return sum(learned.measurements for learned in self.by_device.values())

    def snapshot(self) -> "PerDeviceLearnedModel":
        frozen = copy.copy(self)
        frozen.by_device = {device: learned.snapshot() for device, learned in self.by_device.items()}
        return frozen

    def _devices(self, points: np.ndarray) -> np.ndarray:
        return np.argmax(np.atleast_2d(points)[:, self.space.slice_of(self.model.variable)], axis=1)

    def update(self, points: np.ndarray, values: np.ndarray) -> None:
        points = np.atleast_2d(np.asarray(points, dtype=float)).reshape(len(values), self.space.dim)
        chosen = self._devices(points)
        for index, device in enumerate(self.options):
            rows = chosen == index
            self.by_device[device].update(points[rows], np.asarray(values, dtype=float)[rows])

    def predict(self, points: np.ndarray) -> Prediction:
        points = np.atleast_2d(points)
        chosen = self._devices(points)
        parts = {name: np.zeros(len(points)) for name in ("mean", "variance", "noise")}
        learned = np.zeros(len(points), dtype=bool)
        for index, device in enumerate(self.options):
            rows = chosen == index
            if rows.any():
                part = self.by_device[device].predict(points[rows])
                for name in parts:
                    parts[name][rows] = getattr(part, name)
                learned[rows] = part.learned
        return Prediction(parts["mean"], parts["variance"], parts["noise"], learned)


def learned_model(model: Any, space: SearchSpace, rng: np.random.Generator,
                  settings: ResidualSettings = ResidualSettings()) -> LearnedModel | PerDeviceLearnedModel:
    """The learning form of a model as the optimizer holds it (one model, or one per device)."""
    if isinstance(model, PerDeviceModel):
        return PerDeviceLearnedModel(model, space, rng, settings)
    return LearnedModel(model, space, rng, settings)


class LearnedObjective:
    """A modelled objective seen as a one-sample GP ensemble (``predict`` -> (1, k) means and
    latent variances), so EHVI and PABO weigh its uncertainty as they do a black-box objective's.
    It holds a snapshot of the learned model (the optimizer gives a new one each suggestion);
    fantasies and PABO's refit leave it as it is (a pending job's hardware value changes nothing
    the acquisition needs)."""

    def __init__(self, learned: LearnedModel | PerDeviceLearnedModel) -> None:
        self.learned = learned

    def predict(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        prediction = self.learned.predict(points)
        return prediction.mean[None, :], prediction.variance[None, :]

    def predict_mean(self, points: np.ndarray) -> np.ndarray:
        return self.learned.predict(points).mean[None, :]

    def with_fantasies(self, points: np.ndarray) -> "LearnedObjective":
        return self

    def refit(self, points: np.ndarray, values: np.ndarray) -> "LearnedObjective":
        return self
