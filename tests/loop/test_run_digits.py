"""The digits experiment end to end through the real Keras path: template -> config -> profile ->
optimizer -> job processes -> measurement -> store -> reports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_three_digits_evaluations_end_to_end_with_a_percentile_memory_budget(tmp_path: Path, run_cli) -> None:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    # 10 profile samples, the least this test asks of the model (the default is 30)
    result = run_cli("run", str(folder), "--budget", "memory=p50", "--epochs", "1", "--max-evals", "3",
                     "--seed", "0", "--profile-samples", "10", timeout=900)
    assert "budget memory=p50 ->" in result.stdout
    # issue 22.14: the limits come first, before the profiling that sets the percentile budget
    assert result.stdout.splitlines()[0].startswith("hyperpower: digits: hw-ieci, objective error, budgets memory <= p50 "
                                                    "(from the memory model), up to 3 evaluations")
    model = json.loads((folder / "models" / "memory.json").read_text())
    assert model["metric"] == "memory" and model["samples"] >= 10

    config = json.loads((folder / "spearmint" / "config.json").read_text())
    budget = config["hyperpower"]["budgets"]["memory"]
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("digits")
        assert len(store.list_profile_samples("digits")) == model["samples"]
    assert [j.status for j in jobs] == [JobStatus.COMPLETE] * 3
    for job in jobs:
        assert 0.0 <= job.values["error"] <= 1.0
        assert job.values["memory"] > 0 and job.values["latency"] > 0
        assert job.predicted["memory"] <= budget, "an aware job was suggested beyond the predicted budget"
        assert (folder / "output" / f"job_{job.id:05d}_network.py").is_file()
        assert job.method == "hw-ieci"

    best = json.loads(run_cli("best", str(folder), "--json").stdout)
    assert best["id"] in {j.id for j in jobs} and best["values"]["memory"] <= budget
    exported = json.loads(run_cli("export", str(folder), "--format", "json").stdout)
    assert [row["id"] for row in exported] == [1, 2, 3]


@pytest.mark.slow
def test_a_hardware_metric_as_the_objective_completes_every_job(tmp_path: Path, run_cli) -> None:
    """Issue 11 point 5: the objective (memory) is measured after training; it used to be checked
    before the measurement added it, so every job broke."""
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    result = run_cli("run", str(folder), "--optimize", "memory", "--epochs", "1", "--max-evals", "2",
                     "--seed", "0", timeout=900)
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("digits")
    assert [j.status for j in jobs] == [JobStatus.COMPLETE] * 2, [j.error for j in jobs]
    assert all(j.values["memory"] > 0 and 0.0 <= j.values["error"] <= 1.0 for j in jobs)
    assert "best memory=" in result.stdout
