"""ASHA through the whole loop on a plain Spearmint folder whose main-file takes ``epochs``
(issue 13 points 4 and 5): jobs at every rung, promotions naming their parent, the best job at
full fidelity; a Spearmint main-file retrains from scratch, so trained_epochs == epochs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]

MAIN = '''
def main(job_id, params, epochs=9):
    """The toy bowl, plus a term that training longer removes (a learning curve)."""
    x, y = float(params["x"][0]), float(params["y"][0])
    return {"objective": (x - 0.6) ** 2 + (y - 0.2) ** 2 + 1.0 + 0.5 / epochs, "budget_left": 1.0}
'''


def test_asha_on_a_spearmint_folder_reaches_every_rung_and_the_best_job_is_full_fidelity(tmp_path: Path,
                                                                                        run_cli) -> None:
    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    (folder / "toy.py").write_text(MAIN)
    run_cli("run", str(folder), "--scheduler", "asha", "--min-epochs", "1", "--max-epochs", "9", "--eta", "3",
            "--max-evals", "14", "--method", "rand", "--seed", "3")
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        jobs = {job.id: job for job in store.list_jobs("spearmint_toy")}
    assert all(job.status is JobStatus.COMPLETE for job in jobs.values())
    assert {job.rung for job in jobs.values()} == {0, 1, 2}
    assert {job.epochs for job in jobs.values()} == {1, 3, 9}
    for job in jobs.values():
        assert job.trained_epochs == job.epochs  # a main-file trains from scratch
        if job.parent is None:
            assert job.rung == 0
        else:
            parent = jobs[job.parent]
            assert parent.rung == job.rung - 1 and parent.raw_params == job.raw_params
            assert parent.values["objective"] - job.values["objective"] > 0  # more epochs: the curve went down
    best = json.loads(run_cli("best", str(folder), "--json").stdout)
    assert best["epochs"] == 9 and best["rung"] == 2
    exported = json.loads(run_cli("export", str(folder), "--format", "json").stdout)
    assert {row["id"]: row["parent"] for row in exported} == {job.id: job.parent for job in jobs.values()}
