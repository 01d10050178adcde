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


def test_a_scheduler_run_shows_its_fidelity_in_every_report(tmp_path: Path, run_cli, monkeypatch) -> None:
    """Issue 22 point 10: the run's first line and `status` name the scheduler and its rungs,
    `status` and `best` say at which fidelity the best counts, best_so_far.png tells the rungs
    apart, and `pareto` on this one-objective experiment says so instead of a one-point front."""
    from hyperpower.cli import main
    from hyperpower.report import plot_style

    folder = tmp_path / "toy"
    shutil.copytree(REPO / "experiments" / "spearmint_toy", folder)
    (folder / "toy.py").write_text(MAIN)
    run = run_cli("run", str(folder), "--scheduler", "asha", "--min-epochs", "1", "--max-epochs", "3", "--eta", "3",
                  "--max-evals", "5", "--method", "rand", "--seed", "3")
    first = run.stdout.splitlines()[0]
    assert first.startswith("hyperpower: spearmint_toy: rand") and "scheduler asha: rungs at 1, 3 epochs (eta 3)" in first
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("spearmint_toy")
    per_rung = {epochs: sum(job.epochs == epochs for job in jobs) for epochs in (1, 3)}
    assert per_rung[3] >= 1, "no promotion: the test cannot tell rungs apart"
    status = run_cli("status", str(folder)).stdout
    assert "| scheduler asha: rungs at 1, 3 epochs (eta 3)" in status
    assert f"rungs: 1 epoch {per_rung[1]} job(s), 3 epochs {per_rung[3]} job(s)" in status
    assert "best so far (at 3 epochs, the top rung reached): job" in status
    assert "  fidelity: 3 epochs (rungs at 1, 3 epochs)" in run_cli("best", str(folder)).stdout
    pareto = run_cli("pareto", str(folder), check=False)
    assert pareto.returncode == 1 and pareto.stdout == ""
    assert "has one objective (objective), so no Pareto front" in pareto.stderr and "hyperpower best" in pareto.stderr

    saved = {}
    real_save = plot_style.save_figure
    monkeypatch.setattr(plot_style, "save_figure", lambda figure, path: saved.setdefault(path.name, figure) and
                        real_save(figure, path))
    assert main(["plot", str(folder), "--out", str(tmp_path / "plots")]) == 0
    best = saved["best_so_far.png"]
    legend = [text.get_text() for text in best.legends[0].get_texts()]
    assert {"rung: 1 epoch", "rung: 3 epochs"} <= set(legend) and "best feasible so far (top rung reached)" in legend
    by_count = best.axes[0]
    areas = {float(size) for collection in by_count.collections for size in collection.get_sizes()}
    assert len(areas) == 2, areas  # one marker size per rung
