"""What run prints and settles about modelled budgets before the first suggestion (no training):
percentile budgets that do not move with --seed, the coverage line of each modelled budget, and
the provenance rule of load_models (own stale file left out, user file refused)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from hyperpower.errors import ConfigError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, build_config
from hyperpower.hardware.provenance import template_provenance
from hyperpower.loop.model_files import load_models
from hyperpower.loop.preparation import budget_coverage_lines, resolve_percentile_budgets
from hyperpower.template import parse_template

WIDTH = 'HYPERPARAM{"type": "INT", "token": "width", "min": 2, "max": 8, "structural": true}'


def write_model(experiment: Path, path: Path, features=("units", "learning_rate"), coef=(0.05, 2000.0)) -> Path:
    """A memory model of the tiny template as `hyperpower profile` writes it (with provenance)."""
    template = parse_template(experiment / "keras_model" / "network_def.py")
    document = {"metric": "memory", "unit": "MB", "features": list(features), "coef": list(coef),
                "intercept": 100.0, "cv_rmspe": 0.02, **template_provenance(template.space, ["units"])}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def add_structural_width(experiment: Path) -> None:
    """The template edit of issue 16: the second hidden layer gets a structural width of its own."""
    template = experiment / "keras_model" / "network_def.py"
    text = template.read_text()
    edited = text.replace('keras.layers.Dense(units, activation="relu"), keras.layers.Dense(3',
                          f'keras.layers.Dense({WIDTH}, activation="relu"), keras.layers.Dense(3')
    assert edited != text
    template.write_text(edited)


def _config(experiment: Path, **options):
    return build_config(resolve_experiment(experiment), GenerateOptions(**options))


def test_a_percentile_budget_does_not_move_with_the_seed(tiny_experiment: Path) -> None:
    write_model(tiny_experiment, tiny_experiment / "models" / "memory.json")
    paths = resolve_experiment(tiny_experiment)
    budgets, said = [], []
    for seed in (1, 2, 3):
        options = GenerateOptions(budget_percentiles={"memory": 50.0}, seed=seed)
        resolve_percentile_budgets(paths, options, None, output=said.append)
        budgets.append(options.budgets["memory"])
    assert budgets[0] == budgets[1] == budgets[2], budgets
    assert 100 + 0.05 * 64 < budgets[0] < 100 + 0.05 * 1024 + 2000 * 0.1
    config = _config(tiny_experiment, budgets={"memory": budgets[0]})
    [line] = budget_coverage_lines(config, load_models(paths, config).models)
    assert f"budget memory <= {budgets[0]:.4g} MB: 50% of the space is predicted to fit" in line


@pytest.mark.parametrize("budget,text", [
    (1000.0, "memory <= 1000 MB: 100% of the space is predicted to fit (the budget constrains nothing)"),
    (50.0, "memory <= 50 MB: 0% of the space is predicted to fit (no sampled configuration"),
])
def test_each_modelled_budget_says_how_much_of_the_space_fits(tiny_experiment: Path, budget: float, text: str) -> None:
    write_model(tiny_experiment, tiny_experiment / "models" / "memory.json", features=("units",), coef=(0.05,))
    config = _config(tiny_experiment, budgets={"memory": budget, "latency": 5.0})
    lines = budget_coverage_lines(config, load_models(resolve_experiment(tiny_experiment), config).models)
    assert len(lines) == 1 and text in lines[0], lines


def _percent_fitting(line: str) -> float:
    match = re.search(r": ([0-9.]+)% of the space is predicted to fit", line)
    assert match, line
    return float(match.group(1))


def test_a_partial_budget_gives_the_share_of_the_space(tiny_experiment: Path) -> None:
    paths = resolve_experiment(tiny_experiment)
    write_model(tiny_experiment, tiny_experiment / "models" / "memory.json", features=("units",), coef=(0.05,))
    config = _config(tiny_experiment, budgets={"memory": 100 + 0.05 * 64 * 4})  # 4 of 16 widths fit
    [line] = budget_coverage_lines(config, load_models(paths, config).models)
    assert _percent_fitting(line) == pytest.approx(25.0, abs=2.0)
    # learning rate log-uniform on [0.001, 0.1]: P(lr <= 0.00102) = log(1.02) / log(100) = 0.43%
    write_model(tiny_experiment, tiny_experiment / "models" / "memory.json", features=("learning_rate",), coef=(1000.0,))
    config = _config(tiny_experiment, budgets={"memory": 101.02})
    [line] = budget_coverage_lines(config, load_models(paths, config).models)
    assert re.search(r"101 MB: 0\.[0-9]+% of the space", line) and _percent_fitting(line) == pytest.approx(0.43, abs=0.25)


def test_model_margin_coverage_is_said_too(tiny_experiment: Path) -> None:
    write_model(tiny_experiment, tiny_experiment / "models" / "memory.json", features=("units",), coef=(0.05,))
    config = _config(tiny_experiment, budgets={"memory": 100 + 0.05 * 512}, model_margin=1.0)
    [line] = budget_coverage_lines(config, load_models(resolve_experiment(tiny_experiment), config).models)
    # units*64 in 64..1024: 8 of 16 values are <= 512; a 2% margin keeps 7 of them
    assert _percent_fitting(line) == pytest.approx(50.0, abs=2.0)
    match = re.search(r"; under --model-margin 1 \(predictions <= 123.1 MB\): ([0-9.]+)% \[model hyperparameters", line)
    assert match and float(match.group(1)) == pytest.approx(100 * 7 / 16, abs=2.0), line


def test_a_stale_own_model_is_left_out_and_a_given_one_refused(tiny_experiment: Path, tmp_path: Path) -> None:
    own = write_model(tiny_experiment, tiny_experiment / "models" / "memory.json")
    given = tmp_path / "elsewhere" / "memory.json"
    given.parent.mkdir()
    shutil.copy(own, given)
    add_structural_width(tiny_experiment)
    paths = resolve_experiment(tiny_experiment)
    loaded = load_models(paths, _config(tiny_experiment, budgets={"memory": 500.0}))
    assert loaded.models == {}
    assert loaded.stale == {"memory": f"{own} no longer fits the template: new structural variable width (INT 2..8)"}
    with pytest.raises(ConfigError) as refused:
        load_models(paths, _config(tiny_experiment, budgets={"memory": 500.0}, models={"memory": str(given)}))
    message = str(refused.value)
    assert message.startswith(f"{given}: the memory model") and "new structural variable width" in message
    assert f"hyperpower profile {tiny_experiment}" in message


def test_a_model_without_provenance_warns_unless_it_ignores_a_structural_variable(tiny_experiment: Path) -> None:
    """The issue's case: memory.json profiled by an older HyperPower, then a structural variable added."""
    own = tiny_experiment / "models" / "memory.json"
    own.parent.mkdir()
    own.write_text(json.dumps({"metric": "memory", "features": ["units"], "coef": [0.05], "intercept": 100.0}))
    paths = resolve_experiment(tiny_experiment)
    loaded = load_models(paths, _config(tiny_experiment, budgets={"memory": 500.0}))
    assert set(loaded.models) == {"memory"} and not loaded.stale
    [warning] = loaded.warnings
    assert warning.startswith(f"hyperpower: warning: {own}: the memory model records no template provenance")
    assert "cover the structural variables (units)" in warning and f"hyperpower profile {tiny_experiment}" in warning

    add_structural_width(tiny_experiment)
    loaded = load_models(paths, _config(tiny_experiment, budgets={"memory": 500.0}))
    assert loaded.models == {} and loaded.warnings == []
    assert "structural variable width (INT 2..8) is not among its features (units" in loaded.stale["memory"]


def test_violation_rate_coverage_is_said_and_the_setting_kept_in_the_config(tiny_experiment: Path) -> None:
    from hyperpower.config import load_experiment_config
    from hyperpower.generate import generate_config

    path = write_model(tiny_experiment, tiny_experiment / "models" / "memory.json", features=("units",), coef=(0.05,))
    document = json.loads(path.read_text())
    document["cv_relative_residuals"] = [0.001 * i for i in range(40)]  # conformal q at 5%: 0.038
    path.write_text(json.dumps(document))
    paths = resolve_experiment(tiny_experiment)
    config = _config(tiny_experiment, budgets={"memory": 100 + 0.05 * 512}, violation_rate=0.05)
    [line] = budget_coverage_lines(config, load_models(paths, config).models)
    # threshold 125.6 / 1.038 = 121.0 MB: units*64 <= 420, 6 of 16 values
    match = re.search(r"; under --violation-rate 0.05 \(error quantile \+3.8%: predictions <= 121 MB\): ([0-9.]+)%", line)
    assert match and float(match.group(1)) == pytest.approx(100 * 6 / 16, abs=2.0), line

    generate_config(paths, GenerateOptions(budgets={"memory": 500.0}, violation_rate=0.05))
    assert load_experiment_config(paths).settings.budgets.violation_rate == 0.05
    with pytest.raises(ConfigError, match=r"--model-margin 1 and --violation-rate 0.05 both tighten the budgets"):
        generate_config(paths, GenerateOptions(model_margin=1.0))
    assert load_experiment_config(paths).settings.budgets.margin == 0.0, "a refused option leaves the config as it was"
    with pytest.raises(ConfigError, match=r"--violation-rate must be a fraction in \[0, 1\)"):
        _config(tiny_experiment, violation_rate=1.5)

    document.pop("cv_relative_residuals")
    path.write_text(json.dumps(document))
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}: --violation-rate needs .*hyperpower profile"):
        budget_coverage_lines(config, load_models(paths, config).models)
    from hyperpower.loop.preparation import prepare_run

    before = paths.config.read_bytes()
    with pytest.raises(ConfigError, match=rf"{re.escape(str(path))}: --violation-rate needs"):
        prepare_run(paths, GenerateOptions(budgets={"memory": 300.0}))  # the saved rate, refused before writing
    assert paths.config.read_bytes() == before
