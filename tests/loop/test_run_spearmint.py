"""`hyperpower run` on plain Spearmint folders: optimum found, failures recorded, resume exact."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hyperpower.jobs import JobStatus
from hyperpower.store import open_store

REPO = Path(__file__).resolve().parents[2]


def _jobs(folder: Path, experiment: str = "spearmint_toy"):
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        return store.list_jobs(experiment)


def test_plain_spearmint_folder_finds_constrained_optimum_within_one_percent(toy_experiment: Path, run_cli) -> None:
    result = run_cli("run", str(toy_experiment), "--max-evals", "30", "--seed", "3")
    jobs = _jobs(toy_experiment)
    assert len(jobs) == 30 and all(j.status is JobStatus.COMPLETE for j in jobs)
    feasible = [j for j in jobs if j.feasible]
    best = min(j.values["objective"] for j in feasible)
    assert best <= 1.005 * 1.01, f"best feasible {best} not within 1% of 1.005"
    # every infeasible job really broke the constraint, every feasible one respected it
    for job in jobs:
        assert job.feasible == (job.values["budget_left"] >= 0)
    assert "job   30" in result.stdout


def _write_main(folder: Path, body: str) -> None:
    (folder / "toy.py").write_text(textwrap.dedent(body))


def test_broken_and_timed_out_jobs_are_recorded_and_the_run_goes_on(toy_experiment: Path, run_cli) -> None:
    _write_main(toy_experiment, """
        import math, time
        def main(job_id, params):
            x = float(params["x"][0])
            if job_id == 2:
                raise RuntimeError("exploding network")
            if job_id == 3:
                return {"objective": math.nan, "budget_left": 1.0}
            if job_id == 4:
                time.sleep(60)
            return {"objective": x, "budget_left": 1.0}
        """)
    config = json.loads((toy_experiment / "config.json").read_text())
    config["hyperpower"] = {"method": "rand", "job_timeout_s": 3, "objective": "objective"}
    (toy_experiment / "config.json").write_text(json.dumps(config))
    run_cli("run", str(toy_experiment), "--max-evals", "6")
    jobs = {j.id: j for j in _jobs(toy_experiment)}
    # a NaN objective is an invalid result (issue 11): COMPLETE, infeasible, NaN kept; not broken
    assert [jobs[i].status for i in range(1, 7)] == [JobStatus.COMPLETE, JobStatus.BROKEN, JobStatus.COMPLETE,
                                                      JobStatus.BROKEN, JobStatus.COMPLETE, JobStatus.COMPLETE]
    assert "exploding network" in jobs[2].error and "Traceback" in jobs[2].error
    assert jobs[3].feasible is False and math.isnan(jobs[3].values["objective"]) and not jobs[3].error
    assert "timed out after 3 s" in jobs[4].error
    assert Path(jobs[2].log_path).read_text().count("exploding network") >= 1
    status = run_cli("status", str(toy_experiment))
    assert "exploding network" in status.stdout and "invalid (NaN)" in status.stdout


def test_killed_driver_resumes_without_losing_or_repeating_finished_jobs(toy_experiment: Path, run_cli) -> None:
    ledger = toy_experiment / "ledger.txt"
    _write_main(toy_experiment, f"""
        import time
        def main(job_id, params):
            time.sleep(0.4)
            with open({str(ledger)!r}, "a") as f:
                f.write(f"{{job_id}}\\n")
            return {{"objective": float(params["x"][0]), "budget_left": 1.0}}
        """)
    command = [sys.executable, "-m", "hyperpower", "run", str(toy_experiment), "--max-evals", "12",
               "--method", "rand", "--workers", "2"]
    driver = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if (toy_experiment / "hyperpower.sqlite").exists() and \
                sum(j.status is JobStatus.COMPLETE for j in _jobs(toy_experiment)) >= 4:
            break
        time.sleep(0.2)
    os.kill(driver.pid, signal.SIGKILL)
    driver.wait()
    finished_before = {j.id for j in _jobs(toy_experiment) if j.status is JobStatus.COMPLETE}
    assert len(finished_before) >= 4

    run_cli("run", str(toy_experiment), "--max-evals", "12", "--method", "rand", "--workers", "2")
    jobs = _jobs(toy_experiment)
    assert sum(j.status is JobStatus.COMPLETE for j in jobs) == 12
    assert not [j for j in jobs if not j.status.finished]
    executions = ledger.read_text().split()
    for job_id in finished_before:
        assert executions.count(str(job_id)) == 1, f"finished job {job_id} ran again"

    run_cli("run", str(toy_experiment), "--max-evals", "12", "--method", "rand")
    assert len(_jobs(toy_experiment)) == len(jobs), "a finished experiment must not run more jobs"
