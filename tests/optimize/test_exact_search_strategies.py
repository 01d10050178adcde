"""Issue 25.2 end to end: the model-based methods that search an acquisition (hw-ieci, hw-cwei,
ehvi), driven through the Optimizer on a small discrete space, suggest the brute-force arg-max of
the acquisition they built (over the configurations they may suggest: new ones, within the
models' budgets when the method filters hard). PABO's agents score every configuration too:
tests/optimize/test_pabo.py."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hyperpower.config import config_from_json
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize import LinearModel, Optimizer, strategies
from hyperpower.optimize.ensemble import MCMCSettings

VARIABLES = {"units": {"type": "INT", "min": 1, "max": 8},
             "op1": {"type": "ENUM", "options": ["none", "conv", "pool"]},
             "op2": {"type": "ENUM", "options": ["none", "conv", "pool"]}}  # 72 configurations
POWER = LinearModel("power", ["units"], [2.0], 20.0, unit="W")
FAST = MCMCSettings(samples=3, burn_in=10)


def error_of(network: dict) -> float:
    return abs(network["units"] - 5) / 8 + 0.2 * (network["op1"] == "pool") + 0.1 * (network["op2"] == "none")


def every_configuration(space) -> np.ndarray:
    axes = [list(range(1, 9)), ["none", "conv", "pool"], ["none", "conv", "pool"]]
    return np.array([space.to_unit(dict(zip(["units", "op1", "op2"], combo))) for combo in itertools.product(*axes)])


@pytest.mark.parametrize("method,objectives", [("hw-ieci", 1), ("hw-cwei", 1), ("ehvi", 2)])
def test_the_suggestion_is_the_brute_force_argmax_of_the_acquisition(monkeypatch, method: str, objectives: int) -> None:
    searches = []
    original = strategies.maximize_acquisition

    def recording(acquisition, space, rng, settings, feasible=None, taken=None, anchors=None):
        result = original(acquisition, space, rng, settings, feasible, taken, anchors)
        searches.append((acquisition, feasible, taken, result))
        return result

    monkeypatch.setattr(strategies, "maximize_acquisition", recording)
    tasks = {"error": {"type": "OBJECTIVE"}}
    if objectives == 2:
        tasks["power"] = {"type": "OBJECTIVE", "likelihood": "NOISELESS"}
    config = config_from_json({"experiment-name": "grid", "variables": VARIABLES, "tasks": tasks,
                               "hyperpower": {"method": method, "initial_design": 3,
                                              "budgets": {} if objectives == 2 else {"power": 34.0}}})
    optimizer = Optimizer(config, {"power": POWER}, np.random.default_rng(0), mcmc=FAST)
    jobs: list[Job] = []
    for index in range(6):
        raw = optimizer.suggest(jobs)[0].raw_params
        network = optimizer.space.network_params(raw)
        jobs.append(Job(id=index + 1, experiment="grid", status=JobStatus.COMPLETE, raw_params=raw,
                        values={"error": error_of(network), "power": POWER.predict(network)}))
    assert searches, "the model-based search never ran"
    every = every_configuration(optimizer.space)
    for acquisition, feasible, taken, (point, score) in searches:
        allowed = taken.mask_new(every)
        if feasible is not None:
            allowed &= feasible(every)
        scores = acquisition(every[allowed])
        assert score == pytest.approx(scores.max(), rel=1e-12, abs=1e-300)
        assert taken.mask_new(point)[0] and (feasible is None or feasible(point[None])[0])
