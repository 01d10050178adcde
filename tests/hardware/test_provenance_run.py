"""Issue 16.2 through `hyperpower run`: a template edited after its model was made (a structural
variable added) never runs on the old model silently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from test_model_budgets import add_structural_width, write_model

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]


def _run(experiment: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hyperpower", "run", str(experiment), "--budget", "memory=1000MB",
                           "--max-evals", "1", "--epochs", "1", "--seed", "0", "--profile-samples", "8", *args],
                          capture_output=True, text=True, timeout=timeout, cwd=REPO)


def _jobs(experiment: Path) -> int:
    from hyperpower.store import open_store

    with open_store(f"sqlite:///{experiment / 'hyperpower.sqlite'}") as store:
        return len(store.list_jobs(experiment.name))


@pytest.mark.slow
def test_run_refuses_a_given_model_that_predates_a_new_structural_variable(tiny_experiment: Path,
                                                                           tmp_path: Path) -> None:
    given = write_model(tiny_experiment, tmp_path / "gpu-models" / "memory.json", features=("units",), coef=(0.05,))
    first = _run(tiny_experiment, "--model", f"memory={given}")
    assert first.returncode == 0, first.stdout + first.stderr
    assert ("hyperpower: budget memory <= 1000 MB: 100% of the space is predicted to fit "
            "(the budget constrains nothing)") in first.stdout
    assert _jobs(tiny_experiment) == 1

    add_structural_width(tiny_experiment)
    before = given.read_text()
    second = _run(tiny_experiment, "--max-evals", "2")
    assert second.returncode == 2, second.stdout + second.stderr
    error = second.stderr.strip()
    assert error.startswith(f"hyperpower: error: {given}: the memory model"), error
    assert "new structural variable width (INT 2..8)" in error
    assert f"hyperpower profile {tiny_experiment}" in error
    assert given.read_text() == before and _jobs(tiny_experiment) == 1
    assert not (tiny_experiment / "models").exists(), "a given model is never replaced by profiling here"


@pytest.mark.slow
def test_run_reprofiles_its_own_model_after_a_new_structural_variable(tiny_experiment: Path) -> None:
    own = write_model(tiny_experiment, tiny_experiment / "models" / "memory.json", features=("units",), coef=(0.05,))
    add_structural_width(tiny_experiment)
    result = _run(tiny_experiment)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (f"hyperpower: {own} no longer fits the template: new structural variable width (INT 2..8)"
            in result.stdout)
    assert "no usable model for memory: profiling tiny first" in result.stdout
    model = json.loads(own.read_text())
    assert set(model["structural"]) == {"units", "width"} and "learning_rate" in model["non_structural"]
    assert "width" in model["comparison"]["hyperparameters"]["features"]
    assert "budget memory <= 1000 MB:" in result.stdout and _jobs(tiny_experiment) == 1
