"""Issue 13's done-when on the digits experiment with real Keras training: ``--scheduler asha
--min-epochs 1 --max-epochs 3`` gives jobs at 1 and 3 epochs, a promotion continues its parent's
checkpoint (trained_epochs < epochs) and reuses its inference measurement, the best job is a
full-fidelity one, and a run killed (SIGKILL to its process group) during a promotion loses
nothing: the promotion is requeued and continues the parent's checkpoint, which is still there.
Three rungs (a promotion of a promotion) run on a Spearmint folder in
``test_run_schedule_spearmint.py``, at a fraction of the CPU of real training."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]
FLAGS = ["--scheduler", "asha", "--min-epochs", "1", "--max-epochs", "3", "--eta", "3", "--seed", "0"]


def _jobs(folder: Path):
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        return {job.id: job for job in store.list_jobs("digits")}


@pytest.mark.slow
@pytest.mark.xdist_group("signals")  # kills the run mid-promotion: one at a time (tests/conftest.py)
def test_asha_on_digits_continues_checkpoints_and_survives_a_kill_during_a_promotion(tmp_path: Path,
                                                                                    run_cli) -> None:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    # one run: three first-rung jobs, then job 4 promotes one of them, and the run is killed then
    # (the resumed run below continues checkpoints this run wrote, as a second run would)
    driver = subprocess.Popen([sys.executable, "-m", "hyperpower", "run", str(folder), *FLAGS, "--max-evals", "4"],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              start_new_session=True)
    log = folder / "output" / "job_00004.out"
    deadline = time.monotonic() + 900
    while not (log.is_file() and "continuing job" in log.read_text() and "epoch 2/3" not in log.read_text()):
        assert time.monotonic() < deadline and driver.poll() is None, "the promotion never started"
        time.sleep(0.1)
    promotion = _jobs(folder)[4]
    assert promotion.status is JobStatus.RUNNING and promotion.parent in (1, 2, 3)
    assert all((folder / "output" / f"job_{i:05d}_checkpoint.keras").is_file() for i in (1, 2, 3))
    os.killpg(driver.pid, signal.SIGKILL)  # the worker (and its job process) die mid-promotion
    driver.wait(timeout=30)

    result = run_cli("run", str(folder), *FLAGS, "--max-evals", "4", timeout=1500)
    jobs = _jobs(folder)
    assert all(job.status is JobStatus.COMPLETE for job in jobs.values()), [j.error for j in jobs.values()]
    assert jobs[4].attempts == 2 and jobs[4].rung == 1, "the killed promotion was requeued and finished"
    assert "continuing job" in log.read_text()
    assert sorted(job.epochs for job in jobs.values()) == [1, 1, 1, 3]
    promotions = [job for job in jobs.values() if job.parent is not None]
    assert promotions
    for job in promotions:
        parent = jobs[job.parent]
        assert job.epochs == [1, 3][job.rung] and job.trained_epochs == job.epochs - parent.epochs
        assert job.trained_epochs < job.epochs and job.params == parent.params
        assert job.values["memory"] == parent.values["memory"]  # measured once per configuration
    assert all(job.trained_epochs == job.epochs for job in jobs.values() if job.parent is None)
    best = json.loads(run_cli("best", str(folder), "--json").stdout)
    assert best["epochs"] == 3 and best["rung"] == 1
    assert "3 (+2 on job" in result.stdout  # the table shows what the full-fidelity job trained itself
