"""Reading real HIPS Spearmint config.json files (issue 11.1, 11.10, 16.7).

The configs below are shaped like HIPS/Spearmint's examples (examples/simple, noisy, toy,
constrained, moo): ``main_file`` vs ``main-file``, lower-case task types, a top-level
``likelihood``, no ``tasks``, ``max_finished_jobs`` and keys HyperPower does not use.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hyperpower.config import config_from_json, config_to_json, load_config, load_experiment_config
from hyperpower.errors import ConfigError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions, generate_config

REPO = Path(__file__).resolve().parents[1]
XY = {"x": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}, "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}}

SIMPLE = {  # examples/simple: main-file with .py, top-level likelihood, no tasks
    "language": "PYTHON", "main-file": "branin.py", "experiment-name": "simple-braninhoo-example",
    "likelihood": "NOISELESS", "variables": XY}
TOY = {  # examples/toy (PESC): main_file, acquisition, max_finished_jobs, lower-case task types
    "language": "PYTHON", "main_file": "toy", "experiment-name": "PESC-toy-problem", "acquisition": "PES",
    "max_finished_jobs": 40, "variables": XY,
    "tasks": {"f": {"type": "objective"}, "c1": {"type": "constraint"}, "c2": {"type": "constraint"}}}


def test_spearmint_examples_simple_shape_one_objective_main_with_the_top_level_likelihood() -> None:
    config = config_from_json(SIMPLE, "simple/config.json")
    assert config.main_file == "branin.py" and config.name == "simple-braninhoo-example"
    assert [(t.name, t.type, t.likelihood) for t in config.tasks.values()] == [("main", "OBJECTIVE", "NOISELESS")]
    assert config.settings.objectives.primary == "main" and config.settings.search.max_evals == 30 and config.ignored == ()


def test_spearmint_examples_toy_shape_main_file_lower_case_types_and_max_finished_jobs() -> None:
    config = config_from_json(TOY, "toy/config.json")
    assert config.main_file == "toy"  # it used to fall back to hyperpower.py silently
    assert [(t.name, t.type) for t in config.tasks.values()] == [("f", "OBJECTIVE"), ("c1", "CONSTRAINT"),
                                                                  ("c2", "CONSTRAINT")]
    assert config.settings.search.max_evals == 40 and config.settings.objectives.primary == "f"
    assert config.settings.search.method == "hw-cwei"  # Spearmint's constraints are measured: constraint-weighted EI
    assert config.ignored == ("acquisition",)


def test_top_level_likelihood_applies_only_to_tasks_that_name_none() -> None:
    data = {**TOY, "likelihood": "noiseless",
            "tasks": {"f": {"type": "OBJECTIVE", "likelihood": "gaussian"}, "c1": {"type": "Constraint"}}}
    config = config_from_json(data)
    assert (config.tasks["f"].likelihood, config.tasks["c1"].likelihood) == ("GAUSSIAN", "NOISELESS")


def test_key_spellings_spearmint_treats_alike() -> None:
    data = {"main file": "toy.py", "experiment_name": "named", "polling_time": 3, "max-finished-jobs": 7,
            "grid_size": 2000, "variables": XY, "tasks": {"f": {"type": "objective", "fit_mean": False}}}
    config = config_from_json(data)
    assert (config.main_file, config.name, config.polling_time, config.settings.search.max_evals) == ("toy.py", "named", 3.0, 7)
    assert config.ignored == ("grid_size", "tasks.f.fit_mean")
    with pytest.raises(ConfigError, match="'main-file' and 'main_file' are the same setting; keep one"):
        config_from_json({**SIMPLE, "main_file": "b"})


def test_hyperpower_section_max_evals_wins_over_max_finished_jobs() -> None:
    config = config_from_json({**TOY, "hyperpower": {"max-evals": 5, "method": "rand"}})
    assert (config.settings.search.max_evals, config.settings.search.method, config.settings.objectives.primary) == (5, "rand", "f")
    with pytest.raises(ConfigError, match="max_finished_jobs' must be a positive whole number"):
        config_from_json({**TOY, "max_finished_jobs": 0})


def test_effective_config_round_trips_through_the_snapshot_format() -> None:
    config = config_from_json(TOY, "toy/config.json")
    again = config_from_json(json.loads(json.dumps(config_to_json(config))), "output/run_config.json")
    assert config_to_json(again) == config_to_json(config) and again.main_file == "toy"
    assert again.tasks == config.tasks and again.settings == config.settings


@pytest.mark.parametrize("data, message", [
    ({**TOY, "tasks": {"c": {"type": "CONSTRAINT"}}}, "'tasks' needs an OBJECTIVE task .* found none"),
    ({**TOY, "tasks": {"f": {"type": "goal"}}}, "task 'f' has type 'goal'"),
    ({**SIMPLE, "likelihood": "binomial"}, "the top level has likelihood 'binomial'"),
    ({**SIMPLE, "language": "MATLAB"}, "HyperPower runs PYTHON main-files only"),
    ({**SIMPLE, "main-file": "/usr/lib/evil.py"}, "'main-file' '/usr/lib/evil.py' must be a file inside the experiment folder"),
    ({**SIMPLE, "main-file": "../other/branin"}, "'main-file' '../other/branin' must be a file inside"),
    ({**TOY, "main_file": "sub/../../x.py"}, "'main_file' 'sub/../../x.py' must be a file inside"),
])
def test_invalid_spearmint_configs_name_the_file_and_the_key(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as error:
        config_from_json(data, "exp/config.json")
    assert str(error.value).startswith("exp/config.json: ")


def test_spurious_comma_is_reported_with_its_position(tmp_path: Path) -> None:
    """examples/constrained's PESC config has `"type": "OBJECTIVE", }`: Spearmint refuses it too."""
    path = tmp_path / "config.json"
    path.write_text('{\n  "main_file": "branin_con",\n  "tasks": {\n    "branin": {"type": "OBJECTIVE",\n    }\n  }\n}\n')
    with pytest.raises(ConfigError, match=r"config.json:5:5: invalid JSON: .*a comma before '}' or '\]'"):
        load_config(path)


def test_a_copied_hyperpower_folder_is_an_experiment_of_its_own(tmp_path: Path) -> None:
    """Issue 16.7: the generated config named the copy after the original."""
    original = tmp_path / "exp"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", original / "keras_model")
    generate_config(resolve_experiment(original), GenerateOptions(budgets={"memory": 300.0}))
    copy = tmp_path / "copy"
    shutil.copytree(original, copy)
    paths = resolve_experiment(copy)
    assert load_config(paths.config).name == "exp"  # the copied file still says so ...
    assert load_experiment_config(paths).name == "copy"  # ... but the folder names the experiment
    config, _ = generate_config(paths, GenerateOptions())
    assert config.name == "copy" and load_config(paths.config).name == "copy"
    assert config.settings.budgets.limits == {"memory": 300.0}


def test_a_spearmint_experiment_name_is_the_users_explicit_choice(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({**SIMPLE, "experiment-name": "braninhoo"}))
    assert load_experiment_config(resolve_experiment(folder)).name == "braninhoo"
    (folder / "config.json").write_text(json.dumps({k: v for k, v in SIMPLE.items() if k != "experiment-name"}))
    assert load_experiment_config(resolve_experiment(folder)).name == "mine"


def test_two_objective_tasks_are_several_objectives_kept_in_order() -> None:
    """Spearmint's PESM format (issue 12): each OBJECTIVE task is an objective."""
    tasks = {"b": {"type": "OBJECTIVE"}, "c": {"type": "CONSTRAINT"}, "a": {"type": "objective"}}
    config = config_from_json({**TOY, "tasks": tasks})
    assert config.settings.objectives.names == ["b", "a"] and [t.name for t in config.objective_tasks] == ["b", "a"]
    assert config.settings.search.method == "ehvi"  # the default for several objectives
    again = config_from_json(json.loads(json.dumps(config_to_json(config))))
    assert again.settings == config.settings and config_to_json(config)["hyperpower"]["objective"] == ["b", "a"]
    with pytest.raises(ConfigError, match=r"objective \['a', 'b'\] is not the OBJECTIVE task\(s\) \['b', 'a'\]"):
        config_from_json({**TOY, "tasks": tasks, "hyperpower": {"objective": ["a", "b"]}})
    with pytest.raises(ConfigError, match="reference names 'z', which is not an objective"):
        config_from_json({**TOY, "tasks": tasks, "hyperpower": {"reference": {"z": 1}}})
    with pytest.raises(ConfigError, match="reference point lacks a; it gives a value for every objective"):
        config_from_json({**TOY, "tasks": tasks, "hyperpower": {"reference": {"b": 1}}})
    with pytest.raises(ConfigError, match="objective must be a name or a list of names"):
        config_from_json({**TOY, "tasks": tasks, "hyperpower": {"objective": []}})


DISTRIBUTED = {  # examples/distributed: the task names the main-file, there is no top-level one
    "language": "PYTHON", "experiment-name": "branin-distributed-example", "polling-time": 1,
    "resources": {"my-machine": {"scheduler": "local", "max-concurrent": 1}},
    "tasks": {"branin": {"type": "OBJECTIVE", "likelihood": "NOISELESS", "main-file": "branin",
                         "resources": ["my-machine"]}},
    "variables": XY}


def test_a_task_main_file_is_read_where_the_distributed_example_puts_it() -> None:
    """Issue 22.2: this config was refused with "no 'main-file'"."""
    from hyperpower.main_file import main_files

    config = config_from_json(DISTRIBUTED, "distributed/config.json")
    assert config.main_file is None and config.tasks["branin"].main_file == "branin"
    assert main_files(config) == {"branin": ["branin"]}
    assert config.ignored == ("resources", "tasks.branin.resources")
    again = config_from_json(json.loads(json.dumps(config_to_json(config))), "output/run_config.json")
    assert again.tasks == config.tasks and main_files(again) == {"branin": ["branin"]}


def test_tasks_share_a_main_file_or_name_their_own() -> None:
    from hyperpower.main_file import main_files

    tasks = {"f": {"type": "objective", "main_file": "toy.py"}, "c1": {"type": "constraint", "main-file": "toy"},
             "c2": {"type": "constraint"}, "c3": {"type": "constraint", "main file": "c3"}}
    config = config_from_json({**TOY, "tasks": tasks})
    assert main_files(config) == {"toy.py": ["f", "c1", "c2"], "c3": ["c3"]}  # toy and toy.py: one file
    no_top = config_from_json({**{k: v for k, v in TOY.items() if k != "main_file"}, "tasks": tasks})
    assert main_files(no_top) == {"toy.py": ["f", "c1"], "c3": ["c3"]}  # c2 takes its value from either's dict


@pytest.mark.parametrize("task, message", [
    ({"type": "OBJECTIVE", "language": "MATLAB"}, "task 'f' has language 'MATLAB': HyperPower runs PYTHON"),
    ({"type": "OBJECTIVE", "main-file": "f", "main_file": "g"}, "task 'f': 'main-file' and 'main_file' are the same"),
    ({"type": "OBJECTIVE", "main-file": "../f"}, "'tasks.f.main-file' '../f' must be a file inside"),
])
def test_invalid_task_main_files_are_refused_naming_the_task(task: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        config_from_json({**TOY, "tasks": {"f": task}}, "exp/config.json")
