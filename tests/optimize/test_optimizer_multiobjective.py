"""The Optimizer with several objectives (issue 12 point 2): the strategy comes from
MULTI_OBJECTIVE_STRATEGIES over a MultiObjectiveProblem, an aware run knows a modelled hardware
objective a priori, an unaware one learns it, and a missing method is a clear error."""

from __future__ import annotations

import numpy as np
import pytest

from hyperpower.config import config_from_json
from hyperpower.errors import ConfigError, HyperPowerError
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.preparation import check_method_available
from hyperpower.optimize import LinearModel, Optimizer
from hyperpower.optimize.multiobjective import MULTI_OBJECTIVE_STRATEGIES, MultiObjectiveRandomWalk

UNITS_RATE = {"units": {"type": "INT", "min": 1, "max": 40}, "rate": {"type": "FLOAT", "min": 0, "max": 1}}
POWER = LinearModel("power", ["units"], [2.0], 20.0, unit="W")


def _config(method: str = "rand-walk", aware: bool = True, reference: dict | None = None, budgets: dict | None = None):
    return config_from_json({
        "experiment-name": "mo", "variables": UNITS_RATE,
        "tasks": {"error": {"type": "OBJECTIVE"}, "power": {"type": "OBJECTIVE", "likelihood": "NOISELESS"}},
        "hyperpower": {"method": method, "aware": aware, "reference": reference or {}, "budgets": budgets or {}},
    })


def _jobs(optimizer: Optimizer, count: int) -> list[Job]:
    jobs: list[Job] = []
    for index in range(count):
        suggestion = optimizer.suggest(jobs)[0]
        network = optimizer.space.network_params(suggestion.raw_params)
        values = {"error": 1.0 - network["units"] / 40.0 + network["rate"], "power": POWER.predict(network)}
        jobs.append(Job(id=index + 1, experiment="mo", status=JobStatus.COMPLETE, raw_params=suggestion.raw_params,
                        params=network, values=values, predicted=suggestion.predicted))
    return jobs


def test_aware_run_hands_the_modelled_hardware_objective_over_as_known() -> None:
    optimizer = Optimizer(_config(), {"power": POWER}, np.random.default_rng(0))
    assert isinstance(optimizer.strategy, MultiObjectiveRandomWalk)
    specs = optimizer.multi_problem.objectives
    assert [(s.name, s.noiseless) for s in specs] == [("error", False), ("power", True)]
    assert specs[0].known is None
    points = optimizer.space.sample(np.random.default_rng(1), 5)
    assert np.allclose(specs[1].known(points), POWER.predict_unit(optimizer.space, points))
    jobs = _jobs(optimizer, 6)  # the design, then walks from the front: every objective observed
    assert all(job.predicted["power"] == pytest.approx(job.values["power"]) for job in jobs)
    assert optimizer.multi_problem.reference is None


def test_unaware_run_learns_every_objective_and_a_fixed_reference_is_passed_on() -> None:
    optimizer = Optimizer(_config(aware=False, reference={"error": 2.0, "power": 200.0}), {"power": POWER},
                          np.random.default_rng(0))
    assert all(spec.known is None for spec in optimizer.multi_problem.objectives)
    assert optimizer.multi_problem.reference.tolist() == [2.0, 200.0]


def test_a_multi_objective_method_this_installation_lacks_is_a_clear_error(monkeypatch) -> None:
    monkeypatch.delitem(MULTI_OBJECTIVE_STRATEGIES, "rand-walk")
    config = _config()
    with pytest.raises(ConfigError, match="method 'rand-walk' for several objectives is not available .* available: rand"):
        check_method_available(config.settings)
    with pytest.raises(HyperPowerError, match="method 'rand-walk' for several objectives is not available"):
        Optimizer(config, {}, np.random.default_rng(0))


def test_spearmint_objectives_default_to_the_multi_objective_method() -> None:
    config = config_from_json({"variables": UNITS_RATE, "tasks": {"a": {"type": "OBJECTIVE"}, "b": {"type": "OBJECTIVE"}}})
    assert config.settings.search.method == "ehvi" and config.settings.objectives.names == ["a", "b"]


def test_a_hardware_objective_needs_a_model_like_a_budget_when_aware(tmp_path) -> None:
    """Issue 12: aware runs profile (or take --model for) a hardware objective of several, as
    for a budget metric; an unaware run needs none; EXP/models/<metric>.json is found for it."""
    from hyperpower.experiment import resolve_experiment
    from hyperpower.loop.model_files import model_sources
    from hyperpower.loop.preparation import metrics_needing_models

    aware, unaware = _config(), _config(aware=False)
    assert metrics_needing_models(aware, {}) == ["power"]
    assert metrics_needing_models(aware, {"power": POWER}) == []
    assert metrics_needing_models(unaware, {}) == []
    (tmp_path / "config.json").write_text("{}")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "power.json").write_text("{}")
    assert model_sources(resolve_experiment(tmp_path), aware) == {"power": tmp_path / "models" / "power.json"}
