"""`profile` reports a model that predicts a value no measurement can have (issue 25): the share
of the space, exactly where the model's variables can be enumerated, on the profiled
configurations for a network-feature model."""

from __future__ import annotations

from pathlib import Path

from hyperpower.hardware.profile import ProfileResult, format_report, impossible_share
from hyperpower.hardware.regression import LinearFit
from hyperpower.space import SearchSpace, Variable, VariableType

SPACE = SearchSpace([Variable("units", VariableType.INT, 1, 10), Variable("lr", VariableType.FLOAT, 0.001, 0.1)])


def _fit(feature_set: str, features: list[str], coef: list[float], intercept: float) -> LinearFit:
    return LinearFit(metric="latency", features=features, coef=coef, intercept=intercept, samples=5, folds=3,
                     cv_rmspe=0.2, cv_r2=0.8, train_rmspe=0.1, feature_set=feature_set)


def test_a_hyperparameter_model_is_checked_over_every_configuration_of_its_variables() -> None:
    fit = _fit("hyperparameters", ["units"], [0.5], -1.2)  # units 1 and 2: -0.7, -0.2 ms
    found = impossible_share(fit.to_json(), fit, [], SPACE)
    assert found.exact and (found.impossible, found.checked) == (2, 10)


def test_a_network_feature_model_is_checked_on_the_profiled_configurations() -> None:
    fit = _fit("network", ["params"], [0.001], -0.5)
    samples = [{"values": {"latency": 1.0}, "features": {"params": value}} for value in (100.0, 400.0, 900.0, 2000.0)]
    samples.append({"values": {"memory": 3.0}, "features": {"params": 10.0}})  # measured no latency: not counted
    found = impossible_share(fit.to_json(), fit, samples, SPACE)
    assert not found.exact and (found.impossible, found.checked) == (2, 4)
    assert "(2 of 4 profiled configurations; lowest -0.4 ms)" in found.describe("the latency model")


def test_the_profile_report_warns_with_the_share(tmp_path: Path) -> None:
    fit = _fit("hyperparameters", ["units"], [0.5], -1.2)
    result = ProfileResult(experiment="tiny", device="cpu", device_name="CPU", structural=["units"], samples=[],
                           failures=[], fits={"latency": {"hyperparameters": fit}}, chosen={"latency": fit},
                           model_paths={}, profile_path=tmp_path / "p.json", seconds_per_sample=1.0, setup_s=0.0,
                           impossible={"latency": impossible_share(fit.to_json(), fit, [], SPACE)})
    report = format_report(result)
    assert ("warning: the latency model predicts latency at or below zero for 20% of the space (2 of every "
            "configuration of its variables, 10; lowest -0.7 ms)") in report
    positive = _fit("hyperparameters", ["units"], [0.5], 0.1)
    result.impossible = {"latency": impossible_share(positive.to_json(), positive, [], SPACE)}
    assert "at or below zero" not in format_report(result)
