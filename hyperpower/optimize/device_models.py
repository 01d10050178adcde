"""Per-device a-priori models (issue 14): ``--model power@gpu:0=FILE`` gives the power model of one
device; the optimizer checks a candidate's budget with the model of the candidate's device.

Power and memory of the same network differ by device (a phone and a GPU share no coefficient),
so when the device is a search variable a single model per metric would be wrong for all but one
device. ``PerDeviceModel`` bundles one ``LinearModel`` per device and answers the same questions
(``predict``, ``predict_unit``, ``check_space``, the cross-validated error and the conformal
quantile, taken as the worst device's so a tightened budget is safe on every device); the
``KnownConstraints`` of the optimizer need no change.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from hyperpower.optimize.constraints import LinearModel
from hyperpower.space import SearchSpace


def device_model_key(metric: str, device: str) -> str:
    """``("power", "gpu:0")`` -> ``"power@gpu:0"``: the key of a device's model in ``settings.budgets.models``."""
    return f"{metric}@{device}"


def split_model_key(key: str) -> tuple[str, str | None]:
    """``"power@gpu:0"`` -> ``("power", "gpu:0")``; ``"power"`` -> ``("power", None)``."""
    metric, separator, device = key.partition("@")
    return metric, (device if separator else None)


@dataclasses.dataclass
class PerDeviceModel:
    """One metric's models, one per device; ``variable`` is the device variable's name."""

    metric: str
    variable: str
    models: dict[str, LinearModel]

    @property
    def feature_function(self) -> Any:
        """A network-feature model builds networks: callers sample fewer points for it."""
        return next((m.feature_function for m in self.models.values() if m.feature_function is not None), None)

    @property
    def feature_set(self) -> str:
        return "/".join(sorted({m.feature_set or "hyperparameters" for m in self.models.values()}))

    @property
    def device(self) -> str:
        return ", ".join(f"{device}: {model.device or '?'}" for device, model in self.models.items())

    @property
    def source(self) -> str:
        return ", ".join(model.source for model in self.models.values() if model.source)

    @property
    def unit(self) -> str:
        return next(iter(self.models.values())).unit

    @property
    def cv_rmspe(self) -> float | None:
        errors = [m.cv_rmspe for m in self.models.values() if m.cv_rmspe is not None]
        return max(errors) if errors else None

    def conformal_quantile(self, rate: float) -> float:
        return max(model.conformal_quantile(rate) for model in self.models.values())

    def missing_features(self, space: SearchSpace) -> list[str]:
        return sorted({feature for model in self.models.values() for feature in model.missing_features(space)})

    def check_space(self, space: SearchSpace) -> None:
        for model in self.models.values():
            model.check_space(space)

    def predict(self, network_params: dict[str, Any]) -> float:
        return self.models[str(network_params[self.variable])].predict(network_params)

    def predict_unit(self, space: SearchSpace, points: np.ndarray) -> np.ndarray:
        """(n, dim) -> (n,): each point priced by the model of the device its one-hot block picks."""
        points = np.atleast_2d(points)
        options = space[self.variable].options
        chosen = np.argmax(points[:, space.slice_of(self.variable)], axis=1)
        predictions = np.full(len(points), np.nan)
        for index, device in enumerate(options):
            rows = chosen == index
            if rows.any():
                predictions[rows] = self.models[str(device)].predict_unit(space, points[rows])
        return predictions
