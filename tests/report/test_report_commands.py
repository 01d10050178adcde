"""status, best, export, plot and clean as a user runs them (subprocesses on a filled SQLite store)."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from report_fixtures import REPO, TRACEBACK as TRACEBACK_LINE, add_job

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes


def hyperpower(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hyperpower", *map(str, args)], capture_output=True, text=True,
                          input=stdin, cwd=REPO, timeout=120)


def test_status_prints_summary_and_table(filled_experiment) -> None:
    result = hyperpower("status", filled_experiment.folder)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "jobs: 6 (pending 1, running 1, complete 3, broken 1, skipped 0)" in out
    assert "best so far: job 3 error=0.04" in out
    assert "violations: 1 job(s) broke a budget when measured; 1 job(s) were predicted to break one" in out
    assert "RuntimeError: exploding network" in out
    assert "settings from spearmint/config.json" in out.splitlines()[0]


def test_reports_use_the_settings_the_run_used_not_the_spearmint_folders_config(tmp_path: Path) -> None:
    """A plain Spearmint config.json with a CONSTRAINT task defaults to hw-cwei; `run --method
    hw-ieci` keeps its settings in output/run_config.json only, and the reports must show those."""
    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    original = (folder / "config.json").read_text()
    ran = hyperpower("run", folder, "--method", "hw-ieci", "--max-evals", "1", "--seed", "0")
    assert ran.returncode == 0, ran.stderr
    assert (folder / "config.json").read_text() == original
    status = hyperpower("status", folder)
    assert status.returncode == 0, status.stderr
    assert "settings from output/run_config.json" in status.stdout
    assert "method hw-ieci (aware)" in status.stdout and "hw-cwei" not in status.stdout
    assert "jobs: 1 (" in status.stdout


def test_export_and_best_give_the_feasibility_status_shows_when_there_is_no_budget(digits_copy: Path) -> None:
    """Issue 22.6: with no budget, the loop stores ``feasible`` None (nothing to measure against);
    status says "yes", and export and best --json must say true, not null."""
    from hyperpower.experiment import resolve_experiment
    from hyperpower.generate import GenerateOptions, generate_config

    config, _ = generate_config(resolve_experiment(digits_copy), GenerateOptions())
    with open_store(config.database["address"]) as store:
        add_job(store, config.name, JobStatus.COMPLETE, {"error": 0.1, "memory": 150.0}, feasible=None)
        add_job(store, config.name, JobStatus.BROKEN, error=TRACEBACK_LINE)
    row = next(line for line in hyperpower("status", digits_copy).stdout.splitlines() if line.startswith("1 "))
    assert " yes " in row
    exported = json.loads(hyperpower("export", digits_copy).stdout)
    assert [record["feasible"] for record in exported] == [True, None]
    rows = list(csv.DictReader(io.StringIO(hyperpower("export", digits_copy, "--format", "csv").stdout)))
    assert [row["feasible"] for row in rows] == ["True", ""]
    assert json.loads(hyperpower("best", digits_copy, "--json").stdout)["feasible"] is True


@pytest.mark.parametrize("command", ["status", "export", "best"])
def test_a_store_file_that_does_not_exist_is_an_error_not_an_empty_experiment(filled_experiment, tmp_path: Path,
                                                                             command: str) -> None:
    missing = tmp_path / "typo.sqlite"
    result = hyperpower(command, filled_experiment.folder, "--store", f"sqlite:///{missing}")
    assert result.returncode == 2
    assert result.stderr.startswith(f"hyperpower: error: --store sqlite:///{missing}: no SQLite file {missing}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr and result.stdout == ""
    assert not missing.exists()


def test_a_nan_result_is_shown_and_never_best(filled_experiment) -> None:
    with open_store(filled_experiment.store_uri) as store:
        add_job(store, "digits", JobStatus.COMPLETE, {"error": math.nan, "power": 50.0, "memory": 100.0},
                feasible=False)
    status = hyperpower("status", filled_experiment.folder)
    assert status.returncode == 0, status.stderr
    assert "best so far: job 3 error=0.04" in status.stdout
    # the store's claim took the oldest pending job, 6, for the NaN result; 7 is the new pending one
    row = next(line for line in status.stdout.splitlines() if line.startswith("6 "))
    assert "complete" in row and " NaN " in row and " NO " in row
    best = hyperpower("best", filled_experiment.folder, "--json")
    assert best.returncode == 0 and json.loads(best.stdout)["id"] == 3
    exported = json.loads(hyperpower("export", filled_experiment.folder).stdout)
    assert exported[5]["values"]["error"] is None and exported[5]["feasible"] is False


def test_best_names_the_job_and_its_rendered_network_file(filled_experiment) -> None:
    result = hyperpower("best", filled_experiment.folder, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["id"] == 3 and record["values"]["error"] == 0.04 and record["early_terminated"] is True
    network = Path(record["network_file"])
    assert network == filled_experiment.folder / "output" / "job_00003_network.py"
    text = network.read_text()  # re-rendered from the template: the job ran elsewhere
    assert "HYPERPARAM" not in text.split('"""', 2)[2] and "conv1_filters = 8\n" in text
    assert "activation = 'relu'\n" in text and "learning_rate = 0.01\n" in text

    plain = hyperpower("best", filled_experiment.folder)
    assert plain.returncode == 0 and "best job 3 (hw-ieci): error=0.04" in plain.stdout
    assert "memory: 150 MB (predicted 210 MB)" in plain.stdout


def test_best_and_export_show_the_trained_model_and_the_test_error(filled_experiment) -> None:
    folder = filled_experiment.folder
    # add_job finishes the oldest pending job: job 6 becomes the new best, validation error 0.01
    with open_store(filled_experiment.store_uri) as store:
        add_job(store, "digits", JobStatus.COMPLETE, {"error": 0.01, "test_error": 0.03, "power": 50.0,
                                                      "memory": 100.0}, feasible=True)
    (folder / "output").mkdir(exist_ok=True)
    model = folder / "output" / "job_00006.keras"
    model.write_bytes(b"stands in for a saved model")
    record = json.loads(hyperpower("best", folder, "--json").stdout)
    assert record["id"] == 6 and record["test_error"] == 0.03 and record["trained_model"] == str(model)
    plain = hyperpower("best", folder).stdout
    assert "best job 6 (hw-ieci): error=0.01 (validation split)" in plain
    assert "  test_error: 0.03 (test split)" in plain and f"  trained model: {model}" in plain
    exported = {r["id"]: r for r in json.loads(hyperpower("export", folder).stdout)}
    assert exported[6]["trained_model"] == str(model) and exported[6]["test_error"] == 0.03
    assert exported[1]["trained_model"] is None and exported[1]["test_error"] is None

    model.unlink()  # pruned by --keep-models: best and export show none
    assert json.loads(hyperpower("best", folder, "--json").stdout)["trained_model"] is None
    assert "  trained model: -" in hyperpower("best", folder).stdout
    assert json.loads(hyperpower("export", folder).stdout)[5]["trained_model"] is None


def test_best_without_a_feasible_job_exits_1_with_a_message(digits_copy: Path) -> None:
    assert hyperpower("generate", digits_copy, "--budget", "power=90W").returncode == 0
    uri = f"sqlite:///{digits_copy / 'hyperpower.sqlite'}"
    with open_store(uri) as store:
        add_job(store, "digits", JobStatus.COMPLETE, {"error": 0.1, "power": 120.0}, feasible=False)
    result = hyperpower("best", digits_copy)
    assert result.returncode == 1
    assert "hyperpower: error: experiment digits has no feasible complete job yet (1 job(s), 1 finished)" in result.stderr
    assert "Traceback" not in result.stderr

    with open_store(uri) as store:  # power neither measured nor predicted: not the best, however low its error
        add_job(store, "digits", JobStatus.COMPLETE, {"error": 0.01, "memory": 100.0})
    result = hyperpower("best", digits_copy)
    assert result.returncode == 1
    assert "(2 job(s), 2 finished, 1 of unknown feasibility (a budget metric neither measured nor predicted))" \
        in result.stderr


def test_export_to_file_and_stdout(filled_experiment, tmp_path: Path) -> None:
    out = tmp_path / "jobs.csv"
    result = hyperpower("export", filled_experiment.folder, "--format", "csv", "--out", out)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[3]["reason"] == "RuntimeError: exploding network" and "values.memory_MB" in rows[0]
    records = json.loads(hyperpower("export", filled_experiment.folder).stdout)
    assert len(records) == 6 and records[0]["values"]["power"] == 80.0
    assert records[3]["reason"] == "RuntimeError: exploding network"


def test_store_commands_read_the_store_given_with_store(filled_experiment, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    with open_store(other) as store:
        add_job(store, "digits", JobStatus.COMPLETE, {"error": 0.3, "power": 10.0, "memory": 10.0}, feasible=True)
    records = json.loads(hyperpower("export", filled_experiment.folder, "--store", other).stdout)
    assert [r["values"]["error"] for r in records] == [0.3]


def test_clean_asks_first_and_keeps_template_and_models(filled_experiment) -> None:
    folder = filled_experiment.folder
    (folder / "models").mkdir()
    (folder / "models" / "power.json").write_text("{}")
    made = ["output/job_00001.out", "output/run_config.json", "plots/best_so_far.png", "profiles/profile-cpu.json"]
    for name in made:
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text("x")
    shutil.copy(folder / "spearmint" / "config.json", folder / "output" / "run_config.json")

    declined = hyperpower("clean", folder, stdin="n\n")
    assert declined.returncode == 1 and "nothing deleted" in declined.stderr
    assert (folder / "spearmint" / "config.json").exists() and all((folder / name).exists() for name in made)
    assert f"keeps:\n  {folder / 'keras_model' / 'network_def.py'} (template)\n" in declined.stdout
    assert f"  {folder / 'models'}/ (fitted hardware models; --all deletes them)" in declined.stdout

    result = hyperpower("clean", folder, stdin="y\n")
    assert result.returncode == 0, result.stderr
    for name in ("spearmint", "output", "plots", "profiles"):
        assert not (folder / name).exists(), name
    assert (folder / "keras_model" / "network_def.py").exists() and (folder / "models" / "power.json").exists()
    with open_store(filled_experiment.store_uri) as store:
        assert store.list_jobs("digits") == []

    status = hyperpower("status", folder)  # a cleaned experiment is an experiment with no jobs
    assert status.returncode == 0, status.stderr
    assert "jobs: 0 (" in status.stdout and "settings: the template's defaults (no config yet)" in status.stdout

    assert hyperpower("clean", folder, "--yes", "--all").returncode == 0
    assert not (folder / "models").exists()


def test_clean_keeps_a_plain_spearmint_folders_own_config(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    (folder / "output").mkdir()
    (folder / "output" / "job_00001.out").write_text("log")
    result = hyperpower("clean", folder, "--yes")
    assert result.returncode == 0, result.stderr
    assert (folder / "config.json").exists() and (folder / "toy.py").exists()
    assert not (folder / "output").exists()
