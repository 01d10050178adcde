"""The repo-root hyperpower.py: the objective in Spearmint's form, main(job_id, params)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from hyperpower import objective
from hyperpower.config import ExperimentConfig, Task, save_config
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths
from hyperpower.space import SearchSpace, Variable

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wrapper():
    """hyperpower.py loaded by path: ``import hyperpower`` means the package beside it."""
    spec = importlib.util.spec_from_file_location("hyperpower_spearmint_main", REPO / "hyperpower.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


SPACE = SearchSpace([
    Variable("units", "INT", 4, 32),
    Variable("learning_rate", "INT", 1, 3, transform="NEGEXP10"),
    Variable("activation", "ENUM", options=("relu", "tanh")),
    Variable("widths", "FLOAT", 0.0, 1.0, size=2),
])


def test_spearmint_arrays_become_raw_values(wrapper):
    params = {"units": np.array([12.0]), "learning_rate": np.array([2]), "activation": np.array(["tanh"]),
              "widths": np.array([0.25, 0.5])}
    raw = wrapper.raw_params_from_spearmint(SPACE, params)
    assert raw == {"units": 12, "learning_rate": 2, "activation": "tanh", "widths": [0.25, 0.5]}
    assert isinstance(raw["units"], int) and isinstance(raw["widths"][0], float)
    assert SPACE.network_params(raw)["learning_rate"] == pytest.approx(0.01)


def test_missing_or_wrong_values_are_named(wrapper):
    with pytest.raises(ConfigError, match="no value for variable 'units'"):
        wrapper.raw_params_from_spearmint(SPACE, {})
    params = {"units": np.array([12]), "learning_rate": np.array([2]), "activation": np.array(["sigmoid"]),
              "widths": np.array([0.25, 0.5])}
    with pytest.raises(ConfigError, match="'activation' got 'sigmoid'"):
        wrapper.raw_params_from_spearmint(SPACE, params)
    params.update(activation=np.array(["relu"]), widths=np.array([0.1]))
    with pytest.raises(ConfigError, match="'widths' has size 2 but got 1"):
        wrapper.raw_params_from_spearmint(SPACE, params)


def test_experiment_is_found_from_env_then_cwd_or_its_parent(wrapper, tmp_path, monkeypatch):
    root = tmp_path / "exp"
    (root / "keras_model").mkdir(parents=True)
    (root / "keras_model" / "network_def.py").write_text("x = 1\n")
    (root / "spearmint").mkdir()
    monkeypatch.delenv(wrapper.EXPERIMENT_ENVIRONMENT_VARIABLE, raising=False)
    assert wrapper.locate_experiment(root).root == root.resolve()
    assert wrapper.locate_experiment(root / "spearmint").root == root.resolve()
    with pytest.raises(ConfigError, match="HYPERPOWER_EXPERIMENT"):
        wrapper.locate_experiment(tmp_path)
    monkeypatch.setenv(wrapper.EXPERIMENT_ENVIRONMENT_VARIABLE, str(root))
    assert wrapper.locate_experiment(tmp_path).root == root.resolve()


def test_main_evaluates_the_experiment_and_returns_task_values(wrapper, tmp_path, monkeypatch):
    from hyperpower.template import parse_template
    from test_objective import TINY_TEMPLATE

    root = tmp_path / "tiny"
    (root / "keras_model").mkdir(parents=True)
    (root / "keras_model" / "network_def.py").write_text(TINY_TEMPLATE.replace("FAIL_HERE", ""))
    paths = ExperimentPaths(root, "hyperpower")
    config = ExperimentConfig(name="tiny", space=parse_template(paths.template).space,
                              tasks={"error": Task("error"), "memory": Task("memory", "CONSTRAINT", budget=500.0)},
                              settings=HyperPowerSettings.from_section({"epochs": 2, "seed": 0, "budgets": {"memory": 500.0}}))
    save_config(config, paths.config)
    monkeypatch.setattr(objective, "measure_hardware", lambda network_path, config, log, **_: {"memory": 123.0})
    monkeypatch.chdir(root / "spearmint")
    monkeypatch.delenv(wrapper.EXPERIMENT_ENVIRONMENT_VARIABLE, raising=False)
    values = wrapper.main(4, {"units": np.array([16]), "learning_rate": np.array([0.05])})
    assert set(values) == {"error", "test_error", "memory"}  # test_error: recorded beside the validation error
    assert 0.0 <= values["error"] < 0.3 and 0.0 <= values["test_error"] <= 1.0 and values["memory"] == 123.0
    assert "Dense(16," in paths.job_network(4).read_text()
