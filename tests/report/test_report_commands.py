"""status, best, export and clean as a user runs them (subprocesses on a filled SQLite store)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

from report_fixtures import REPO, add_job

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store


def hyperpower(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hyperpower", *map(str, args)], capture_output=True, text=True,
                          input=stdin, cwd=REPO, timeout=120)


def test_status_prints_summary_and_table(filled_experiment) -> None:
    result = hyperpower("status", filled_experiment.folder)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "jobs: 6 (pending 1, running 1, complete 3, broken 1, skipped 0)" in out
    assert "best so far: job 3 error=0.04" in out
    assert "violations: 1 job(s) broke a budget when measured, 1 job(s) were predicted to" in out
    assert "RuntimeError: exploding network" in out


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


def test_export_to_file_and_stdout(filled_experiment, tmp_path: Path) -> None:
    out = tmp_path / "jobs.csv"
    result = hyperpower("export", filled_experiment.folder, "--format", "csv", "--out", out)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row["id"] for row in rows] == ["1", "2", "3", "4", "5", "6"]
    records = json.loads(hyperpower("export", filled_experiment.folder).stdout)
    assert len(records) == 6 and records[0]["values"]["power"] == 80.0


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
    (folder / "output").mkdir()
    (folder / "output" / "job_00001.out").write_text("log")

    declined = hyperpower("clean", folder, stdin="n\n")
    assert declined.returncode == 1 and "nothing deleted" in declined.stderr
    assert (folder / "spearmint" / "config.json").exists()

    result = hyperpower("clean", folder, stdin="y\n")
    assert result.returncode == 0, result.stderr
    assert not (folder / "spearmint").exists() and not (folder / "output").exists()
    assert (folder / "keras_model" / "network_def.py").exists() and (folder / "models" / "power.json").exists()
    with open_store(filled_experiment.store_uri) as store:
        assert store.list_jobs("digits") == []

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
