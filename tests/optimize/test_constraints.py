"""LinearModel: loading, prediction on network values, vectorized prediction, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hyperpower.errors import ConfigError
from hyperpower.optimize.constraints import KnownConstraints, LinearModel, ModelBudget, load_linear_model
from hyperpower.space import SearchSpace, Variable

MODEL = {
    "metric": "power", "unit": "W", "features": ["conv1", "ip1"], "coef": [0.41, 0.02],
    "intercept": 38.5, "device": "NVIDIA H100 80GB HBM3", "samples": 50, "cv_rmspe": 0.043,
}


@pytest.fixture
def space() -> SearchSpace:
    return SearchSpace([
        Variable("conv1", "INT", 1, 5, transform="X16"),
        Variable("ip1", "INT", 200, 700),
        Variable("rate", "FLOAT", 1e-3, 1e-1, log_scale=True),
        Variable("act", "ENUM", options=("relu", "tanh")),
    ])


def test_load_from_file_and_predict_on_network_values(tmp_path: Path) -> None:
    path = tmp_path / "power.json"
    path.write_text(json.dumps(MODEL))
    model = load_linear_model(path)
    assert model.metric == "power" and model.cv_rmspe == 0.043 and model.samples == 50
    assert model.predict({"conv1": 32, "ip1": 500, "rate": 0.01}) == pytest.approx(38.5 + 0.41 * 32 + 0.02 * 500)


def test_to_dict_round_trips_and_keeps_unknown_keys() -> None:
    data = {**MODEL, "feature_set": "variables", "fitted_at": "2026-01-01"}
    model = load_linear_model(data)
    assert model.to_dict() == data
    assert load_linear_model(model.to_dict()) == model


def test_predict_unit_matches_per_point_predictions(space: SearchSpace) -> None:
    model = load_linear_model(MODEL)
    points = space.sample(np.random.default_rng(0), 50)
    expected = [model.predict(space.network_params(space.from_unit(p))) for p in points]
    np.testing.assert_allclose(model.predict_unit(space, points), expected, rtol=1e-12)


def test_feature_function_supplies_computed_network_features(space: SearchSpace) -> None:
    def features(params: dict) -> dict:
        return {"weights": params["conv1"] * params["ip1"]}

    model = load_linear_model({"metric": "memory", "features": ["weights"], "coef": [0.001], "intercept": 10,
                               "feature_set": "network"}, feature_function=features)
    assert model.predict({"conv1": 32, "ip1": 500}) == pytest.approx(10 + 16.0)
    points = space.sample(np.random.default_rng(1), 5)
    expected = [10 + 0.001 * space.network_params(space.from_unit(p))["conv1"] * space.from_unit(p)["ip1"] for p in points]
    np.testing.assert_allclose(model.predict_unit(space, points), expected)


def test_computed_features_without_function_name_the_missing_features(space: SearchSpace) -> None:
    model = load_linear_model({"metric": "memory", "features": ["conv1", "flops", "params"], "coef": [1, 2, 3],
                               "feature_set": "network"})
    assert model.missing_features(space) == ["flops", "params"]
    with pytest.raises(ConfigError, match="flops, params"):
        model.check_space(space)
    with pytest.raises(ConfigError, match="flops, params"):
        model.predict({"conv1": 16})


def test_indexed_features_of_size_k_variables() -> None:
    space = SearchSpace([Variable("widths", "INT", 1, 9, size=3)])
    model = LinearModel("power", ["widths[0]", "widths[2]"], [1.0, 10.0], 0.5)
    assert model.missing_features(space) == []
    assert model.predict({"widths": [2, 3, 4]}) == pytest.approx(42.5)
    points = space.sample(np.random.default_rng(2), 10)
    expected = [model.predict(space.from_unit(p)) for p in points]
    np.testing.assert_allclose(model.predict_unit(space, points), expected)


def test_non_numeric_feature_is_a_config_error(space: SearchSpace) -> None:
    model = LinearModel("power", ["act"], [1.0])
    with pytest.raises(ConfigError, match="numeric"):
        model.predict_unit(space, space.sample(np.random.default_rng(0), 3))


@pytest.mark.parametrize("content,message", [
    ("{not json", "invalid JSON"),
    ("[1, 2]", "JSON object"),
    (json.dumps({"metric": "power", "coef": [1]}), "'features'"),
    (json.dumps({**MODEL, "coef": [1.0]}), "2 features but 1 coefficients"),
    (json.dumps({**MODEL, "coef": "abc"}), "must be lists"),
    (json.dumps({**MODEL, "coef": ["a", "b"]}), "bad value"),
    (json.dumps({**MODEL, "cv_rmspe": -0.1}), "cv_rmspe must be a finite number >= 0"),
    (json.dumps({**MODEL, "cv_rmspe": "4%"}), "cv_rmspe must be a finite number >= 0"),
    (json.dumps({**MODEL, "cv_rmspe": True}), "cv_rmspe must be a finite number >= 0"),
    ('{"metric": "power", "features": ["a"], "coef": [1], "cv_rmspe": NaN}', "cv_rmspe must be a finite number >= 0"),
    ('{"metric": "power", "features": ["a"], "coef": [1], "cv_rmspe": Infinity}', "cv_rmspe must be a finite"),
])
def test_bad_model_files_raise_config_error_naming_the_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=message) as caught:
        load_linear_model(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize("value", [None, 0, 0.043, 2])
def test_cv_rmspe_absent_or_a_finite_non_negative_number_is_accepted(value) -> None:
    data = {key: item for key, item in MODEL.items() if key != "cv_rmspe"}
    if value is not None:
        data["cv_rmspe"] = value
    model = load_linear_model(data)
    assert model.cv_rmspe == value and (value is None or isinstance(model.cv_rmspe, float))


def test_missing_model_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read model file"):
        load_linear_model(tmp_path / "absent.json")


def test_known_constraints_feasible_mask(space: SearchSpace) -> None:
    model = load_linear_model(MODEL)
    known = KnownConstraints(space, [ModelBudget(model, 60.0)])
    points = space.sample(np.random.default_rng(3), 200)
    predicted = known.predictions(points)["power"]
    np.testing.assert_array_equal(known.feasible(points), predicted <= 60.0)
    assert 0 < known.feasible(points).sum() < 200


def test_product_features_are_evaluated_vectorized_on_network_values(space: SearchSpace) -> None:
    """``conv1*ip1`` multiplies network values (after the X16 transform), in predict_unit as in predict."""
    model = LinearModel("memory", ["conv1", "conv1*ip1", "conv1*conv1"], [0.5, 0.001, 0.01], 10.0, unit="MB")
    assert model.missing_features(space) == []
    points = space.sample(np.random.default_rng(4), 300)
    vectorized = model.predict_unit(space, points)
    one_by_one = [model.predict(space.network_params(space.from_unit(p))) for p in points]
    assert vectorized == pytest.approx(one_by_one)
    network = space.network_params(space.from_unit(points[0]))
    c, i = network["conv1"], network["ip1"]
    assert vectorized[0] == pytest.approx(10.0 + 0.5 * c + 0.001 * c * i + 0.01 * c * c)


def test_a_product_of_an_unknown_variable_is_refused_by_name(space: SearchSpace) -> None:
    model = LinearModel("memory", ["conv1*fc9"], [1.0], 0.0)
    with pytest.raises(ConfigError, match=r"conv1\*fc9"):
        model.check_space(space)


def test_conformal_quantile_is_the_split_conformal_rank_of_the_residuals(tmp_path: Path) -> None:
    residuals = [i / 100 for i in range(40)]  # 0.00 .. 0.39
    model = load_linear_model({**MODEL, "cv_relative_residuals": residuals})
    assert model.conformal_quantile(0.05) == pytest.approx(0.38)  # ceil(41 * 0.95) = 39th smallest
    assert model.conformal_quantile(0.5) == pytest.approx(0.20)  # ceil(41 * 0.5) = 21st
    with pytest.raises(ConfigError, match=r"--violation-rate 0.01 needs at least 99 profiling samples"):
        model.conformal_quantile(0.01)
    path = tmp_path / "power.json"
    path.write_text(json.dumps(MODEL))
    with pytest.raises(ConfigError, match=r"power.json: --violation-rate needs .*cv_relative_residuals.*"
                                          r"hyperpower profile EXP --metrics power"):
        load_linear_model(path).conformal_quantile(0.05)


def test_one_hot_features_of_enum_choices_predict_additively() -> None:
    space = SearchSpace([Variable("edge0", "ENUM", options=("none", "nor_conv_3x3", "skip_connect")),
                         Variable("edge1", "ENUM", options=("none", "nor_conv_3x3"))])
    model = LinearModel("latency", ["edge0=nor_conv_3x3", "edge0=skip_connect", "edge1=nor_conv_3x3"],
                        [2.0, 0.5, 3.0], intercept=1.0)
    assert model.predict({"edge0": "nor_conv_3x3", "edge1": "nor_conv_3x3"}) == 6.0
    assert model.predict({"edge0": "none", "edge1": "none"}) == 1.0
    points = np.array([space.to_unit({"edge0": "skip_connect", "edge1": "nor_conv_3x3"}),
                       space.to_unit({"edge0": "none", "edge1": "none"})])
    assert model.predict_unit(space, points).tolist() == [4.5, 1.0]
    with pytest.raises(ConfigError, match="edge0=max_pool"):
        LinearModel("latency", ["edge0=max_pool"], [1.0]).check_space(space)
