"""From samples to model files: feature columns, both feature sets, loadable documents."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from hyperpower import optimize
from hyperpower.hardware.profile_models import (
    MAX_NETWORK_BUILDS, distinct_structures, fit_all, hyperparameter_columns, model_document, pairwise_columns,
    unsampled_options, write_model,
)
from hyperpower.space import SearchSpace, Variable


def _samples(n: int = 40, seed: int = 0, cubic: bool = False) -> list[dict]:
    """Memory truth: 300 MB + 0.004 MB per weight; widths are a size-2 variable. The weight count
    is pairwise in the widths; ``cubic`` adds a w0·w0·w1 term no pairwise product expresses."""
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(n):
        widths = [int(w) for w in rng.integers(1, 9, 2) * 64]
        kind = str(rng.choice(["relu", "tanh"]))
        parameters = 12 * widths[0] + widths[0] * widths[1] + widths[1] * 3
        if cubic:
            parameters += widths[0] * widths[0] * widths[1] // 64
        samples.append({
            "params": {"widths": widths, "kind": kind, "learning_rate": 0.01},
            "features": {"parameters": parameters, "macs": parameters, "activations": sum(widths) + 3},
            "values": {"memory": 300.0 + 0.004 * parameters * (1 + 0.002 * rng.standard_normal())},
        })
    return samples


def test_columns_expand_size_k_variables_and_one_hot_text_enums_with_a_baseline_dropped() -> None:
    """Issue 12 point 4 (text ENUMs used to be skipped): ``kind`` becomes ``kind=tanh``, its
    first option in the template's order (relu) being the baseline the intercept carries."""
    space = SearchSpace([Variable("widths", "INT", min=1, max=8, size=2), Variable("kind", "ENUM", options=("relu", "tanh"))])
    samples = _samples(12)
    assert {s["params"]["kind"] for s in samples} == {"relu", "tanh"}
    names, skipped = hyperparameter_columns(samples, ["widths", "kind"], space)
    assert names == ["widths[0]", "widths[1]", "kind=tanh"] and skipped == []
    reversed_space = SearchSpace([Variable("widths", "INT", min=1, max=8, size=2),
                                  Variable("kind", "ENUM", options=("tanh", "relu"))])
    assert hyperparameter_columns(samples, ["kind"], reversed_space)[0] == ["kind=relu"]
    pairs = pairwise_columns(names)
    assert "widths[0]*kind=tanh" in pairs and "kind=tanh*kind=tanh" not in pairs


OPERATION_COST = {"none": 0.0, "skip": 0.05, "conv1": 0.4, "conv3": 1.3}  # ms per edge, additive


def _cell_space() -> SearchSpace:
    """A NAS-style cell: three ENUM edges (one size-3 variable) and a numeric width."""
    return SearchSpace([Variable("edge", "ENUM", options=tuple(OPERATION_COST), size=3),
                        Variable("width", "INT", min=1, max=8, transform="X16")])


def _cell_latency(params: dict) -> float:
    return 2.0 + sum(OPERATION_COST[op] for op in params["edge"]) + 0.01 * params["width"]


def test_profiling_recovers_a_known_additive_cost_over_enum_choices_and_it_prices_the_space_a_priori() -> None:
    from hyperpower.hardware.sampling import draw_configurations
    from hyperpower.optimize.constraints import KnownConstraints, ModelBudget

    space = _cell_space()
    rng = np.random.default_rng(4)
    samples = []
    for raw in draw_configurations(space, ["edge", "width"], 40, rng):
        params = space.network_params(raw)
        samples.append({"params": params, "values": {"latency": _cell_latency(params) * (1 + 0.001 * rng.standard_normal())}})
    fits, chosen = fit_all(samples, ["latency"], ["edge", "width"], folds=10, seed=0, device="test", space=space)["latency"]
    plain = fits["hyperparameters"]
    coef = dict(zip(plain.features, plain.coef))
    assert set(coef) == {"width"} | {f"edge[{i}]={op}" for i in range(3) for op in ("skip", "conv1", "conv3")}
    for i in range(3):  # each coefficient is the option's cost over the baseline "none"
        for op in ("skip", "conv1", "conv3"):
            assert coef[f"edge[{i}]={op}"] == pytest.approx(OPERATION_COST[op], abs=0.01)
    assert plain.intercept == pytest.approx(2.0, abs=0.02) and coef["width"] == pytest.approx(0.01, abs=1e-3)
    assert plain.cv_rmspe < 0.005 and chosen is plain, "the additive model is exact: nothing costlier is kept"

    model = optimize.load_linear_model(model_document(fits, chosen))
    points = np.random.default_rng(1).random((200, space.dim))
    truth = np.array([_cell_latency(space.network_params(space.from_unit(p))) for p in points])
    assert np.allclose(model.predict_unit(space, points), truth, rtol=0.005)
    budget = float(np.median(truth))  # what HW-IECI checks before training anything
    feasible = KnownConstraints(space, [ModelBudget(model, budget)]).feasible(points)
    assert np.array_equal(feasible[np.abs(truth - budget) > 0.02], (truth <= budget)[np.abs(truth - budget) > 0.02])


def test_options_no_sample_chose_are_named_since_the_model_prices_them_as_the_baseline() -> None:
    space = _cell_space()
    samples = [{"params": {"edge": ["none", op, "conv3"], "width": 16}} for op in ("skip", "conv1")]
    names, _ = hyperparameter_columns(samples, ["edge"], space)
    assert names == ["edge[1]=conv1"], "edge[0] and edge[2] took one option each: nothing to fit"
    missing = unsampled_options(samples, ["edge", "width"], space)
    assert "edge[1]=none" in missing and "edge[0]=skip" in missing and "edge[2]=conv3" not in missing


def test_network_features_win_when_the_truth_is_in_the_weights_beyond_pairs() -> None:
    fits, chosen = fit_all(_samples(cubic=True), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test",
                           distinct_networks=64)["memory"]
    assert set(fits) == {"hyperparameters", "pairwise", "network"}
    assert fits["network"].cv_rmspe < 0.005
    assert fits["hyperparameters"].cv_rmspe > fits["network"].cv_rmspe + 0.02, "width product is not linear in widths"
    assert fits["network"].cv_rmspe < 0.8 * fits["pairwise"].cv_rmspe
    assert chosen.feature_set == "network"


def test_pairwise_products_make_network_builds_unnecessary_when_the_cost_is_pairwise() -> None:
    """The weight count is a pairwise product of the widths: the free pairwise model is as good
    as the one that builds every network, so the rule keeps it even on a small space."""
    fits, chosen = fit_all(_samples(), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test",
                           distinct_networks=64)["memory"]
    assert fits["pairwise"].cv_rmspe < 0.01 < fits["hyperparameters"].cv_rmspe
    assert chosen is fits["pairwise"]


def test_auto_keeps_a_cheap_model_when_the_space_has_too_many_networks_to_build() -> None:
    fits, chosen = fit_all(_samples(cubic=True), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test",
                           distinct_networks=MAX_NETWORK_BUILDS + 1)["memory"]
    assert chosen is fits["pairwise"], "pairwise is a fifth better than the plain hyper-parameters"
    assert fits["network"].cv_rmspe < chosen.cv_rmspe
    forced = fit_all(_samples(), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test",
                     distinct_networks=MAX_NETWORK_BUILDS + 1, features="network")
    assert forced["memory"][1].feature_set == "network"
    cheap = fit_all(_samples(), ["memory"], ["widths", "kind"], folds=10, seed=1, device="test",
                    distinct_networks=64, features="hyperparameters")
    assert cheap["memory"][1].feature_set == "hyperparameters"


def test_distinct_structures_counts_int_and_enum_elements_and_is_infinite_with_a_float() -> None:
    space = SearchSpace([Variable("widths", "INT", min=1, max=8, size=2), Variable("kind", "ENUM", options=("a", "b", "c")),
                         Variable("rate", "FLOAT", min=0.0, max=1.0)])
    assert distinct_structures(space, ["widths", "kind"]) == 8 ** 2 * 3
    assert distinct_structures(space, ["widths", "rate"]) == math.inf


def test_document_is_design_format_and_loads_in_the_optimizer(tmp_path) -> None:
    fits, chosen = fit_all(_samples(), ["memory"], ["widths"], folds=5, seed=1, device="AMD EPYC")["memory"]
    document = model_document(fits, fits["hyperparameters"], "profiles/profile-x.json")
    path = write_model(tmp_path / "models", document)
    data = json.loads(path.read_text())
    assert path.name == "memory.json"
    for key in ("metric", "unit", "features", "coef", "intercept", "device", "samples", "cv_rmspe", "feature_set"):
        assert key in data
    assert data["unit"] == "MB" and data["samples"] == 40 and data["profile"] == "profiles/profile-x.json"
    assert set(data["comparison"]) == {"hyperparameters", "pairwise", "network"}
    assert len(data["cv_relative_residuals"]) == 40
    model = optimize.load_linear_model(path)
    params = {"widths": [128, 256], "learning_rate": 0.01}
    expected = fits["hyperparameters"].predict([[128, 256]])[0]
    assert model.predict(params) == pytest.approx(expected)


def test_profile_report_says_when_network_features_were_passed_over_for_cost(tmp_path) -> None:
    from hyperpower.hardware.profile import ProfileResult, format_report
    from hyperpower.hardware.regression import LinearFit

    fits = {name: LinearFit("latency", ["a"], [1.0], 0.0, 30, 10, rmspe, 0.9, rmspe, name)
            for name, rmspe in (("hyperparameters", 0.20), ("network", 0.14))}
    result = ProfileResult(experiment="digits", device="cpu", device_name="CPU", structural=["a"], samples=[{}] * 30,
                           failures=[], fits={"latency": fits}, chosen={"latency": fits["hyperparameters"]},
                           model_paths={}, profile_path=tmp_path / "p.json", seconds_per_sample=1.0, setup_s=0.0)
    report = format_report(result)
    assert "network features fit latency better" in report and "--features network" in report
    result.chosen["latency"] = fits["network"]
    assert "fit latency better" not in format_report(result)


def test_the_report_and_the_readme_state_the_same_selection_rule(tmp_path) -> None:
    """Issue 15: the README said "keeps whichever cross-validates better" while the report and
    the code required a margin; now both state the constants choose_fit uses."""
    from pathlib import Path

    from hyperpower.hardware.profile import RULE, ProfileResult, format_report
    from hyperpower.hardware.regression import IMPROVEMENT, MIN_R2, LinearFit

    fits = {name: LinearFit("memory", ["a"], [1.0], 0.0, 30, 10, rmspe, 0.9, rmspe, name)
            for name, rmspe in (("hyperparameters", 0.02), ("pairwise", 0.003))}
    result = ProfileResult(experiment="digits", device="cpu", device_name="CPU", structural=["a"], samples=[{}] * 30,
                           failures=[], fits={"memory": fits}, chosen={"memory": fits["pairwise"]},
                           model_paths={}, profile_path=tmp_path / "p.json", seconds_per_sample=1.0, setup_s=0.0)
    report = format_report(result)
    assert RULE in report and "pairwise products" in report.splitlines()[1]
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text().split())
    for text in (RULE, readme):
        assert f"RMSPE is at most {IMPROVEMENT:g} times as large" in text.replace("RMSPE at most", "RMSPE is at most")
        assert f"R² of at least {MIN_R2:g}" in text or f"R² is at least {MIN_R2:g}" in text
        assert f"at most {MAX_NETWORK_BUILDS}" in text.replace("1,000", "1000")
    assert "keeps whichever cross-validates better" not in readme


def test_the_report_warns_when_other_processes_kept_the_cpus_busy_during_latency_profiling(tmp_path) -> None:
    """Issue 15 point 3: what the tool cannot remove is said where the model is made."""
    from hyperpower.hardware.profile import ProfileResult, format_report
    from hyperpower.hardware.regression import LinearFit

    fit = LinearFit("latency", ["a"], [1.0], 0.0, 3, 3, 0.8, 0.1, 0.8, "hyperparameters")

    def report(share):
        samples = [{"contention": {"others_share": share}}] * 3 if share is not None else [{}] * 3
        return format_report(ProfileResult(
            experiment="digits", device="cpu", device_name="CPU", structural=["a"], samples=samples, failures=[],
            fits={"latency": {"hyperparameters": fit}}, chosen={"latency": fit}, model_paths={},
            profile_path=tmp_path / "p.json", seconds_per_sample=1.0, setup_s=0.0))

    assert "other processes used 85% of the CPUs" in report(0.85)
    assert "other processes used" not in report(0.05) and "other processes used" not in report(None)
