"""Config generation: variables from the template, tasks from objective + budgets, idempotence,
kept settings, validation that writes nothing, and gener_experiment.py's original flags."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hyperpower.config import load_config
from hyperpower.errors import ConfigError, TemplateError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, build_config, generate_config
from hyperpower.template import parse_template

REPO = Path(__file__).resolve().parents[1]
DIGITS = REPO / "experiments" / "digits"


@pytest.fixture
def digits(tmp_path: Path) -> Path:
    folder = tmp_path / "digits"
    shutil.copytree(DIGITS / "keras_model", folder / "keras_model")
    return folder


def _cli(*args: object, script: str | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, script] if script else [sys.executable, "-m", "hyperpower"]
    return subprocess.run([*command, *map(str, args)], capture_output=True, text=True, cwd=REPO, timeout=120)


@pytest.mark.e2e
def test_generate_digits_with_memory_budget_matches_template(digits: Path) -> None:
    result = _cli("generate", digits, "--budget", "memory=200MB", "--method", "hw-ieci")
    assert result.returncode == 0, result.stderr
    data = json.loads((digits / "spearmint" / "config.json").read_text())
    template = parse_template(digits / "keras_model" / "network_def.py")
    assert list(data["variables"]) == [token.name for token in template.tokens]
    for token in template.tokens:
        spec, variable = data["variables"][token.name], token.variable
        assert spec["type"] == variable.type.value and spec["size"] == 1
        if variable.options:
            assert spec["options"] == list(variable.options) and "min" not in spec
        else:
            assert (spec["min"], spec["max"]) == (variable.min, variable.max)
        assert spec.get("transform") == variable.transform and spec.get("structural") == variable.structural
        assert (spec.get("scale") == "log") == variable.log_scale
    assert data["tasks"] == {"error": {"type": "OBJECTIVE", "likelihood": "GAUSSIAN"},
                             "memory": {"type": "CONSTRAINT", "likelihood": "NOISELESS", "budget": 200.0}}
    assert data["main-file"] == "hyperpower.py" and data["language"] == "PYTHON"
    assert data["database"] == {"name": "digits", "address": f"sqlite:///{digits.resolve() / 'hyperpower.sqlite'}"}
    assert data["hyperpower"]["method"] == "hw-ieci" and data["hyperpower"]["budgets"] == {"memory": 200.0}
    assert load_config(digits / "spearmint" / "config.json").settings.budgets.limits == {"memory": 200.0}


def test_regenerating_with_the_same_options_is_byte_identical(digits: Path) -> None:
    paths = resolve_experiment(digits)
    options = GenerateOptions(budgets={"power": 90.0, "memory": 1250.0}, method="hw-cwei", epochs=3, seed=5)
    _, changed = generate_config(paths, options)
    first = paths.config.read_bytes()
    _, changed_again = generate_config(paths, options)
    assert changed and not changed_again and paths.config.read_bytes() == first
    # the order budgets are given in does not matter either
    generate_config(paths, GenerateOptions(budgets={"memory": 1250.0, "power": 90.0}))
    assert paths.config.read_bytes() == first


def test_settings_not_given_again_are_kept(digits: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions(budgets={"memory": 200.0}, method="rand", aware=False, epochs=3,
                                           max_time_s=60.0, seed=1))
    config, _ = generate_config(paths, GenerateOptions(max_evals=5))
    settings = config.settings
    assert (settings.budgets.limits, settings.search.method, settings.search.aware, settings.training.epochs) == ({"memory": 200.0}, "rand", False, 3)
    assert (settings.search.max_time_s, settings.search.seed, settings.search.max_evals) == (60.0, 1, 5)
    assert [t.name for t in config.constraint_tasks] == ["memory"]
    # given budgets replace the set; an empty set drops them
    config, _ = generate_config(paths, GenerateOptions(budgets={"power": 90.0}))
    assert config.settings.budgets.limits == {"power": 90.0} and list(config.tasks) == ["error", "power"]
    config, _ = generate_config(paths, GenerateOptions(budgets={}))
    assert config.settings.budgets.limits == {} and list(config.tasks) == ["error"]


def test_objective_split_and_keep_models_are_kept_in_the_config(digits: Path) -> None:
    paths = resolve_experiment(digits)
    config, _ = generate_config(paths, GenerateOptions())
    assert (config.settings.objectives.split, config.settings.training.keep_models) == ("validation", "best")
    generate_config(paths, GenerateOptions(objective_split="test", keep_models="all"))
    config, _ = generate_config(paths, GenerateOptions(max_evals=4))  # not given again: kept
    assert (config.settings.objectives.split, config.settings.training.keep_models) == ("test", "all")
    assert json.loads(paths.config.read_text())["hyperpower"]["keep_models"] == "all"


def test_profile_samples_are_kept_and_fewer_than_three_refused(digits: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions(profile_samples=8))
    config, _ = generate_config(paths, GenerateOptions(max_evals=4))  # not given again: kept
    assert config.settings.measurement.profile_samples == 8
    before = paths.config.read_bytes()
    with pytest.raises(ConfigError, match=r"--profile-samples must be an integer of at least 3 .* got 2"):
        generate_config(paths, GenerateOptions(profile_samples=2))
    assert paths.config.read_bytes() == before
    data = json.loads(before)
    data["hyperpower"]["profile_samples"] = 1
    paths.config.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"config.json: the 'hyperpower' section's profile-samples must be .* got 1"):
        load_config(paths.config)


def test_a_hand_edited_bad_keep_models_names_the_config_file(digits: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions())
    data = json.loads(paths.config.read_text())
    data["hyperpower"]["keep_models"] = "newest"
    paths.config.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"config.json: keep-models 'newest' .* not one of best, all, none"):
        load_config(paths.config)


def test_a_hand_edited_config_with_margin_and_violation_rate_names_the_file(digits: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions(violation_rate=0.05))
    data = json.loads(paths.config.read_text())
    assert data["hyperpower"]["violation_rate"] == 0.05
    data["hyperpower"]["model_margin"] = 1.0
    paths.config.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=r"config.json: the 'hyperpower' section's --model-margin 1 and "
                                          r"--violation-rate 0.05 both tighten the budgets; use one"):
        load_config(paths.config)


def test_template_changes_reach_the_config_and_settings_stay(digits: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions(budgets={"memory": 200.0}))
    template = paths.template
    template.write_text(template.read_text().replace('"max": 64, "structural": true}\nconv1_kernel',
                                                     '"max": 96, "structural": true}\nconv1_kernel'))
    config, changed = generate_config(paths, GenerateOptions())
    assert changed and config.space["conv1_filters"].max == 96 and config.settings.budgets.limits == {"memory": 200.0}


def test_model_files_are_checked_and_kept_relative_to_the_experiment(digits: Path, tmp_path: Path) -> None:
    paths = resolve_experiment(digits)
    (digits / "models").mkdir()
    (digits / "models" / "power.json").write_text(json.dumps({"metric": "power", "features": [], "coef": []}))
    outside = tmp_path / "memory_model.json"
    outside.write_text(json.dumps({"metric": "memory"}))
    config, _ = generate_config(paths, GenerateOptions(budgets={"power": 90.0, "memory": 300.0},
                                                       models={"memory": str(outside),
                                                               "power": str(digits / "models" / "power.json")}))
    assert config.settings.budgets.models == {"power": "models/power.json", "memory": str(outside)}
    assert list(config.settings.budgets.models) == ["power", "memory"]  # fixed metric order, stable file


@pytest.mark.parametrize("options, message", [
    (GenerateOptions(optimize="accuracy"), "--optimize 'accuracy': unknown metric"),
    (GenerateOptions(budgets={"speed": 1.0}), "--budget 'speed': unknown metric"),
    (GenerateOptions(budgets={"memory": -5.0}), "a budget must be a positive number"),
    (GenerateOptions(optimize="power", budgets={"power": 90.0}), "both the objective"),
    (GenerateOptions(method="bayes"), "--method 'bayes' is not one of"),
    (GenerateOptions(epochs=0), "--epochs must be a positive integer"),
    (GenerateOptions(max_evals=-1), "--max-evals must be a positive integer"),
    (GenerateOptions(max_time_s=0.0), "--max-time must be a positive duration"),
    (GenerateOptions(store="postgres://db"), "--store: store URI 'postgres://db' is not understood"),
    (GenerateOptions(budgets={"power": 9.0}, models={"power": "/nonexistent/power.json"}), "no such model file"),
    (GenerateOptions(budgets={"power": 9.0}, models={"memory": "/m.json"}), "'memory' has no budget"),
    (GenerateOptions(max_time_s=-5.0), "--max-time must be a positive duration"),
    (GenerateOptions(model_margin=-1.0), "--model-margin must be a number >= 0"),
    (GenerateOptions(violation_rate=1.0), "--violation-rate must be a fraction in .0, 1., e.g. 0.05"),
    (GenerateOptions(model_margin=1.0, violation_rate=0.05), "--model-margin 1 and --violation-rate 0.05 both"),
    (GenerateOptions(budget_percentiles={"memory": 50.0}), "percentile budgets are resolved"),
    (GenerateOptions(objective_split="train"), "--objective-split 'train' is not one of validation, test"),
    (GenerateOptions(keep_models="some"), "--keep-models 'some' is not one of best, all, none"),
    # several objectives (issue 12)
    (GenerateOptions(optimize=["error", "memory"], method="hw-ieci"), "--method hw-ieci improves one objective"),
    (GenerateOptions(optimize=["error", "power"], method="hw-cwei"), "--method hw-cwei improves one objective"),
    (GenerateOptions(method="ehvi"), "--method ehvi trades off several objectives, but only 'error'"),
    (GenerateOptions(optimize=["error"], method="pabo"), "--method pabo trades off several objectives"),
    (GenerateOptions(optimize=["error", "memory"], budgets={"memory": 300.0}), "metric 'memory' is both the objective"),
    (GenerateOptions(optimize=["error", "error"]), "--optimize error is given twice"),
    (GenerateOptions(optimize=["error", "speed"]), "--optimize 'speed': unknown metric"),
    (GenerateOptions(optimize=["error", "memory"], reference={"power": 1.0}), "'power' is not an objective of this run"),
    (GenerateOptions(optimize=["error", "memory"], reference={"error": 1.0}), "missing memory"),
    (GenerateOptions(reference={"error": 1.0}), "a hypervolume reference point needs two or more objectives"),
])
def test_invalid_options_raise_and_write_nothing(digits: Path, options: GenerateOptions, message: str) -> None:
    paths = resolve_experiment(digits)
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        generate_config(paths, options)
    assert not paths.config.exists()


def test_model_of_another_metric_is_refused_and_old_config_is_untouched(digits: Path, tmp_path: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions(budgets={"power": 90.0}))
    before = paths.config.read_bytes()
    model = tmp_path / "m.json"
    model.write_text(json.dumps({"metric": "memory"}))
    with pytest.raises(ConfigError, match="is a model of 'memory', not 'power'"):
        generate_config(paths, GenerateOptions(budgets={"power": 80.0}, models={"power": str(model)}))
    assert paths.config.read_bytes() == before


def test_broken_template_writes_nothing(digits: Path) -> None:
    paths = resolve_experiment(digits)
    paths.template.write_text('x = HYPERPARAM{"type":"INT","token":"x","min":3,"max":1}\n')
    with pytest.raises(TemplateError):
        generate_config(paths, GenerateOptions())
    assert not paths.config.exists()


def test_plain_spearmint_folder_keeps_its_tasks_and_takes_settings(tmp_path: Path) -> None:
    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    paths = resolve_experiment(folder)
    config = build_config(paths, GenerateOptions(method="rand", max_evals=7))
    assert list(config.tasks) == ["objective", "budget_left"] and config.main_file == "toy"
    assert (config.settings.search.method, config.settings.search.max_evals) == ("rand", 7)
    with pytest.raises(ConfigError, match="plain Spearmint folder"):
        build_config(paths, GenerateOptions(optimize="error"))


def test_budget_on_a_spearmint_folder_bounds_or_adds_a_constraint_task(tmp_path: Path) -> None:
    """Issue 11.4: --budget works on any Spearmint folder (it used to be refused); the folder's
    config.json is never rewritten, not even by `generate`."""
    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    paths = resolve_experiment(folder)
    before = paths.config.read_bytes()
    config = build_config(paths, GenerateOptions(budgets={"budget_left": 0.5, "cost": 3.0}))
    assert [(t.name, t.type, t.budget) for t in config.tasks.values()] == [
        ("objective", "OBJECTIVE", None), ("budget_left", "CONSTRAINT", 0.5), ("cost", "CONSTRAINT", 3.0)]
    assert config.settings.budgets.limits == {"budget_left": 0.5, "cost": 3.0}
    assert config.tasks["budget_left"].is_satisfied(0.4) and not config.tasks["budget_left"].is_satisfied(0.6)
    with pytest.raises(ConfigError, match="names the OBJECTIVE task 'objective'"):
        build_config(paths, GenerateOptions(budgets={"objective": 2.0}))
    with pytest.raises(ConfigError, match="never rewritten"):
        generate_config(paths, GenerateOptions(method="rand"))
    assert paths.config.read_bytes() == before


@pytest.mark.e2e
def test_gener_experiment_no_run_with_two_constraint_pairs(digits: Path) -> None:
    result = _cli("--experiment", digits, "--optimize", "error", "--epochs", "2", "--constraint", "power",
                  "--constraint_val", "90", "--constraint", "memory", "--constraint_val", "1.25GB", "--no-run",
                  script="gener_experiment.py")
    assert result.returncode == 0, result.stderr
    config = load_config(digits / "spearmint" / "config.json")
    assert config.settings.budgets.limits == {"power": 90.0, "memory": 1250.0} and config.settings.training.epochs == 2
    assert [(t.name, t.budget) for t in config.constraint_tasks] == [("power", 90.0), ("memory", 1250.0)]


@pytest.mark.e2e
def test_gener_experiment_refuses_unpaired_constraints(digits: Path) -> None:
    result = _cli("--experiment", digits, "--constraint", "power", "--constraint", "memory",
                  "--constraint_val", "90", "--no-run", script="gener_experiment.py")
    assert result.returncode == 2
    assert "--constraint and --constraint_val come in pairs: got 2 --constraint" in result.stderr
    assert "Traceback" not in result.stderr and not (digits / "spearmint").exists()


def test_gener_experiment_runs_the_experiment_through_the_run_command(digits: Path, monkeypatch) -> None:
    """Without --no-run the config is generated, then `hyperpower run EXP` starts (recorded here)."""
    import importlib.util

    from hyperpower import cli

    spec = importlib.util.spec_from_file_location("gener_experiment", REPO / "gener_experiment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    calls = []
    monkeypatch.setattr(cli, "main", lambda argv: calls.append(argv) or 0)
    status = module.main(["--experiment", str(digits), "--constraint", "memory", "--constraint_val", "300MB",
                          "--max-evals", "4", "--workers", "2"])
    assert status == 0 and calls == [["run", str(digits), "--workers", "2"]]
    settings = load_config(digits / "spearmint" / "config.json").settings
    assert (settings.budgets.limits, settings.search.max_evals) == ({"memory": 300.0}, 4)


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("flags, message", [
    (["--budget", "power=50"], "cannot enforce the power budget"),
    (["--budget", "memory=300MB", "--model", "latency=MODEL"], "'latency' has no budget"),
    (["--heartbeat-timeout", "0"], "--heartbeat-timeout must be a positive number"),
])
@pytest.mark.e2e
def test_a_refused_run_leaves_config_and_store_as_they_were(digits: Path, tmp_path: Path, flags, message) -> None:
    """Issue 16.6: `run --budget power=50` on a CPU was refused after writing the budget into
    spearmint/config.json (and creating the store), so every later run failed."""
    if "power=50" in flags:
        from hyperpower.errors import HyperPowerError
        from hyperpower.hardware import check_measurable
        try:
            check_measurable(["power"], {})
            pytest.skip("power is measurable on this machine, so this run is not refused")
        except HyperPowerError:
            pass
    model = tmp_path / "latency.json"
    model.write_text(json.dumps({"metric": "latency", "features": [], "coef": []}))
    assert _cli("generate", digits, "--budget", "memory=300MB", "--max-evals", "4").returncode == 0
    before = _files(digits)
    result = _cli("run", digits, "--max-evals", "1", *[f.replace("MODEL", str(model)) for f in flags])
    assert result.returncode in (1, 2) and message in result.stderr, result.stderr
    assert _files(digits) == before
    assert not (digits / "hyperpower.sqlite").exists() and not (digits / "output").exists()


@pytest.mark.e2e
def test_max_time_none_removes_a_saved_time_limit(digits: Path) -> None:
    """Issue 16.4: a saved --max-time could not be removed (0, none and inf were all refused)."""
    assert _cli("generate", digits, "--max-time", "20m").returncode == 0
    assert load_config(digits / "spearmint" / "config.json").settings.search.max_time_s == 1200.0
    for text in ("none", "0", "inf"):
        assert _cli("generate", digits, "--max-time", "20m").returncode == 0
        assert _cli("generate", digits, "--max-time", text).returncode == 0
        assert load_config(digits / "spearmint" / "config.json").settings.search.max_time_s is None


@pytest.mark.e2e
def test_clean_of_a_copied_folder_leaves_the_originals_jobs(digits: Path, tmp_path: Path) -> None:
    """Issue 16.7: a copy (`cp -r exp a`) named itself after the original, so `clean a` on a shared
    store deleted the original's jobs (and `run a` would have added to them)."""
    from hyperpower.jobs import Job
    from hyperpower.store import open_store

    store = f"sqlite:///{tmp_path / 'shared.sqlite'}"
    assert _cli("generate", digits, "--store", store).returncode == 0
    with open_store(store) as opened:
        opened.add_job("digits", Job(id=0, experiment="digits", raw_params={"x": 1}))
    copy = tmp_path / "copy"
    shutil.copytree(digits, copy)
    result = _cli("clean", copy, "--yes")
    assert result.returncode == 0 and "clean experiment copy:" in result.stdout
    with open_store(store) as opened:
        assert len(opened.list_jobs("digits")) == 1


def test_several_objectives_are_kept_as_a_list_and_the_method_follows_their_count(digits: Path, tmp_path: Path) -> None:
    """Issue 12: --optimize twice; config.json keeps the list, one OBJECTIVE task each; a kept
    one-objective method becomes ehvi when --optimize gives several, and back."""
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions(budgets={"power": 90.0}))
    model = tmp_path / "memory.json"
    model.write_text(json.dumps({"metric": "memory", "features": [], "coef": []}))
    config, _ = generate_config(paths, GenerateOptions(optimize=["error", "memory"], models={"memory": str(model)},
                                                       reference={"error": 1.0, "memory": 900.0}))
    data = json.loads(paths.config.read_text())
    assert data["hyperpower"]["objective"] == ["error", "memory"] and "objectives" not in data["hyperpower"]
    assert [(n, t["type"]) for n, t in data["tasks"].items()] == [
        ("error", "OBJECTIVE"), ("memory", "OBJECTIVE"), ("power", "CONSTRAINT")]
    assert data["hyperpower"]["method"] == "ehvi" and data["hyperpower"]["reference"] == {"error": 1.0, "memory": 900.0}
    assert load_config(paths.config).settings == config.settings  # the list form round-trips
    again, _ = generate_config(paths, GenerateOptions(optimize=["error"]))
    assert again.settings.search.method == "hw-ieci" and again.settings.objectives.names == ["error"]
    assert again.settings.objectives.reference == {}
    assert json.loads(paths.config.read_text())["hyperpower"]["objective"] == "error"


def test_a_config_written_before_several_objectives_still_loads(digits: Path) -> None:
    paths = resolve_experiment(digits)
    generate_config(paths, GenerateOptions())
    data = json.loads(paths.config.read_text())
    for key in ("objectives", "reference"):
        data["hyperpower"].pop(key, None)  # the section as HyperPower wrote it before issue 12
    assert data["hyperpower"]["objective"] == "error"
    paths.config.write_text(json.dumps(data))
    settings = load_config(paths.config).settings
    assert settings.objectives.names == ["error"] and settings.objectives.reference == {}
