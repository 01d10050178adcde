"""What an a-priori model predicts over the whole search space: the fixed sample the budget
reports read, and the share of the space where it predicts a value no measurement can have.

A linear model fitted on 30-50 profiled configurations extrapolates: a one-hot latency model of a
NAS cell can price the cheapest cells below zero (issue 25 found 215-282 of NAS-Bench-201's
15,625 cells), and a negative latency passes every budget and sits on every front. Such a model
is not refused (its ranking can still be good) but reported, with the share affected:

* exactly, over every combination of the values of the variables the model reads, when they are
  all INT or ENUM and at most ``MAX_EXACT`` combinations (a model's value depends on nothing else);
* else on the fixed uniform sample of the space (``space_predictions``: ``COVERAGE_POINTS``
  configurations, ``COVERAGE_POINTS_BUILT`` for a model on built-network features).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from typing import Any

import numpy as np

from hyperpower.optimize.device_models import PerDeviceModel
from hyperpower.optimize.encoding import snap_points
from hyperpower.optimize.learned_model import model_variables
from hyperpower.space import SearchSpace, Variable, VariableType

#: percentile budgets, the budget-coverage lines and the sampled checks read the same fixed
#: sample of the space, so that none moves with --seed and "p50" is a budget of which the
#: coverage line says 50%
COVERAGE_SEED = 2018
COVERAGE_POINTS = 4096
#: a network-feature model builds a network per distinct structure (~0.3 s each on a CPU)
COVERAGE_POINTS_BUILT = 64
#: enumerate the model's variables exactly up to this many combinations (NAS-Bench-201: 15,625)
MAX_EXACT = 50_000


def coverage_sample(space: SearchSpace, built: bool = False) -> np.ndarray:
    """(n, dim) the fixed uniform sample of ``space`` (seed COVERAGE_SEED; ``built``: the smaller
    one for a model that builds a network per configuration), snapped to the grid."""
    rng = np.random.default_rng(COVERAGE_SEED)
    count = COVERAGE_POINTS_BUILT if built else COVERAGE_POINTS
    return snap_points(space, rng.random((count, space.dim)))


def space_predictions(model: Any, space: SearchSpace) -> np.ndarray:
    """(n,) predictions of ``model`` on the fixed uniform sample of ``space``."""
    return model.predict_unit(space, coverage_sample(space, model.feature_function is not None))


@dataclasses.dataclass(frozen=True)
class ImpossibleShare:
    """How many of ``checked`` configurations the model predicts at or below zero; ``exact``:
    every configuration of its variables was checked (else the fixed sample); ``lowest``: the
    lowest prediction seen."""

    metric: str
    impossible: int
    checked: int
    exact: bool
    lowest: float
    #: what was checked when neither the whole space nor the fixed sample (e.g. "its profiled configurations")
    checked_on: str = ""

    @property
    def share(self) -> float:
        return self.impossible / self.checked if self.checked else 0.0

    def describe(self, label: str) -> str:
        """``the latency model predicts latency at or below zero for 1.8% of the space (282 of
        every configuration of its variables, 15,625; lowest -0.31 ms)``."""
        from hyperpower.units import format_value

        where = f"every configuration of its variables, {self.checked:,}" if self.exact else \
            f"{self.checked:,} {self.checked_on}" if self.checked_on else f"a fixed sample of {self.checked:,} configurations"
        percent = 100.0 * self.share
        share = f"{percent:.2g}%" if percent < 1 else f"{percent:.1f}".rstrip("0").rstrip(".") + "%"
        return (f"{label} predicts {self.metric} at or below zero for {share} of the space ({self.impossible:,} of "
                f"{where}; lowest {format_value(self.metric, self.lowest)})")


def impossible_predictions(model: Any, space: SearchSpace) -> ImpossibleShare:
    """The share of ``space`` where ``model`` (one model, or one per device) predicts <= 0."""
    grid = None if model.feature_function is not None else model_grid(model, space)
    predictions = space_predictions(model, space) if grid is None else model.predict_unit(space, grid)
    return ImpossibleShare(model.metric, int(np.sum(predictions <= 0)), len(predictions), grid is not None,
                           float(np.min(predictions)) if len(predictions) else math.nan)


def model_grid(model: Any, space: SearchSpace, limit: int = MAX_EXACT) -> np.ndarray | None:
    """(N, dim) unit-cube points, one per combination of the values of the variables ``model``
    reads (the others at one fixed value), or None when one is a FLOAT or there are more than
    ``limit`` combinations."""
    names = _variables(model, space)
    elements = [(name, index) for name in names for index in range(space[name].size)]
    choices = [_element_choices(space[name]) for name, _ in elements]
    if any(c is None for c in choices) or math.prod(len(c) for c in choices) > limit:
        return None
    base = snap_points(space, np.full((1, space.dim), 0.5))[0]
    rows = []
    for combination in itertools.product(*choices):
        point = base.copy()
        for (name, index), unit in zip(elements, combination):
            start = space.slice_of(name).start + index * space[name].element_dims
            point[start:start + len(unit)] = unit
        rows.append(point)
    return np.array(rows).reshape(len(rows), space.dim)


def _variables(model: Any, space: SearchSpace) -> list[str]:
    if isinstance(model, PerDeviceModel):
        named = {name for device in model.models.values() for name in model_variables(device, space)}
        return [name for name in space.names if name in named or name == model.variable]
    return model_variables(model, space)


def _element_choices(variable: Variable) -> list[np.ndarray] | None:
    """The unit coordinates of each value one element of ``variable`` can take (None: a FLOAT)."""
    if variable.type is VariableType.ENUM:
        return list(np.eye(len(variable.options)))
    if variable.type is VariableType.INT:
        width = variable.max - variable.min + 1
        return [np.array([(value - variable.min + 0.5) / width]) for value in range(variable.min, variable.max + 1)]
    return None
