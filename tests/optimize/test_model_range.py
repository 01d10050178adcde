"""Where an a-priori model predicts the impossible (issue 25): the exact share over every
configuration of the model's variables equals brute force, a FLOAT or a large space is sampled."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hyperpower.optimize.constraints import LinearModel
from hyperpower.optimize.device_models import PerDeviceModel
from hyperpower.optimize.model_range import COVERAGE_POINTS, impossible_predictions, model_grid
from hyperpower.space import SearchSpace, Variable, VariableType

SPACE = SearchSpace([
    Variable("cell", VariableType.ENUM, options=("none", "skip", "conv1x1", "conv3x3"), size=3),
    Variable("width", VariableType.INT, 1, 6, transform="X16"),
    Variable("rate", VariableType.FLOAT, 0.0, 1.0),  # not read by the model
])
#: a one-hot latency model as `profile` fits one: the cheap cells are priced below zero
LATENCY = LinearModel("latency", ["cell[0]=conv1x1", "cell[0]=conv3x3", "cell[1]=conv3x3", "cell[2]=conv3x3", "width"],
                      [0.4, 1.1, 1.0, 0.9, 0.004], -0.5)


def brute_force(model: LinearModel) -> tuple[int, int, float]:
    values = []
    for cells in itertools.product(SPACE["cell"].options, repeat=3):
        for width in range(1, 7):
            network = SPACE.network_params({"cell": list(cells), "width": width, "rate": 0.3})
            values.append(model.predict(network))
    return sum(v <= 0 for v in values), len(values), min(values)


def test_the_exact_share_over_the_model_variables_equals_brute_force() -> None:
    impossible, total, lowest = brute_force(LATENCY)
    found = impossible_predictions(LATENCY, SPACE)
    assert found.exact and (found.impossible, found.checked) == (impossible, total) == (found.impossible, 384)
    assert 0 < found.impossible < found.checked and found.lowest == pytest.approx(lowest)
    assert found.share == pytest.approx(impossible / 384)
    text = found.describe("the latency model")
    assert text.startswith(f"the latency model predicts latency at or below zero for {100 * impossible / 384:.1f}% "
                           f"of the space ({impossible} of every configuration of its variables, 384; lowest -0.4")


def test_a_model_that_reads_a_float_or_too_many_configurations_is_sampled() -> None:
    reads_rate = LinearModel("power", ["rate", "width"], [-50.0, 1.0], 10.0)
    found = impossible_predictions(reads_rate, SPACE)
    assert not found.exact and found.checked == COVERAGE_POINTS and 0 < found.share < 1
    assert "a fixed sample of 4,096 configurations" in found.describe("the power model")
    assert model_grid(LATENCY, SPACE, limit=383) is None and len(model_grid(LATENCY, SPACE)) == 384


def test_a_model_with_nothing_impossible_reports_zero() -> None:
    positive = LinearModel("memory", ["width"], [2.0], 5.0)
    found = impossible_predictions(positive, SPACE)
    assert found.impossible == 0 and found.exact and found.checked == 6


def test_per_device_models_enumerate_the_device_too() -> None:
    space = SearchSpace([Variable("width", VariableType.INT, 1, 4),
                         Variable("device", VariableType.ENUM, options=("cpu", "gpu:0"))])
    model = PerDeviceModel("latency", "device", {"cpu": LinearModel("latency", ["width"], [1.0], 0.5),
                                                 "gpu:0": LinearModel("latency", ["width"], [0.3], -0.5)})
    found = impossible_predictions(model, space)
    assert found.exact and (found.impossible, found.checked) == (1, 8)  # the GPU at width 1: -0.2 ms
    grid = model_grid(model, space)
    assert len(np.unique(grid, axis=0)) == 8
