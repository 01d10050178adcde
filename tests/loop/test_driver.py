"""The driver's judgement: which workers are dead, when broken jobs stop a run, what a stopped run
leaves in the queue, and what a queue-only driver says while nobody serves its queue."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hyperpower.errors import HyperPowerError
from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.driver import Driver, RunOptions
from hyperpower.loop.driver_lock import LOCK_FILE_NAME, DriverLock
from hyperpower.loop.failures import failure_summary
from hyperpower.loop.preparation import prepare_run, write_run_files
from hyperpower.loop.worker import local_worker_name
from hyperpower.optimize import Optimizer
from hyperpower.store import open_store

EXPERIMENT = "spearmint_toy"


def _driver(folder: Path, store, output: list[str], max_time_s: float | None = None, **options) -> Driver:
    paths = resolve_experiment(folder)
    prepared = prepare_run(paths, GenerateOptions(method="rand", max_evals=5, max_time_s=max_time_s))
    write_run_files(paths, prepared)
    optimizer = Optimizer(prepared.config, {}, np.random.default_rng(0))
    return Driver(store, paths, prepared.config, prepared.config_path, optimizer,
                  RunOptions(poll_interval_s=0.1, **options), output=output.append)


def _running_job(store, worker: str) -> int:
    job = store.add_job(EXPERIMENT, Job(id=0, experiment=EXPERIMENT, raw_params={"x": 0.5, "y": 0.5},
                                        params={"x": 0.5, "y": 0.5}))
    claimed = store.claim_job(EXPERIMENT, worker)
    assert claimed.id == job.id
    return job.id


def _dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def _write_main(folder: Path, body: str) -> None:
    (folder / "toy.py").write_text(textwrap.dedent(body))


def test_dead_workers_are_found_by_heartbeat_not_by_host_name_and_pid(toy_experiment: Path) -> None:
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        # a worker in another container on this host: same host name, a PID meaningless here
        other_container = _running_job(store, f"{socket.gethostname()}:{_dead_pid()}:abc123")
        earlier_local = _running_job(store, local_worker_name("0123abcd", 0))
        driver = _driver(toy_experiment, store, [], queue_only=True)
        driver.stop_event.set()  # recovery happens before the loop; stop right after it
        driver.run()
        jobs = {j.id: j for j in store.list_jobs(EXPERIMENT)}
    assert jobs[other_container].status is JobStatus.RUNNING, "a live heartbeat keeps the job where it is"
    assert jobs[earlier_local].status is JobStatus.PENDING and jobs[earlier_local].attempts == 1, \
        "the earlier run's local worker died with its driver (this one holds the driver lock)"


def test_a_second_driver_of_the_same_experiment_is_refused(toy_experiment: Path) -> None:
    holder = DriverLock(toy_experiment / "output" / LOCK_FILE_NAME)
    holder.acquire()
    try:
        with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
            earlier_local = _running_job(store, local_worker_name("0123abcd", 0))
            driver = _driver(toy_experiment, store, [])
            with pytest.raises(HyperPowerError, match="another `hyperpower run` is driving this experiment"):
                driver.run()
            assert store.get_job(EXPERIMENT, earlier_local).status is JobStatus.RUNNING
    finally:
        holder.release()


def test_failure_summary_is_the_exception_line_not_the_traceback_header() -> None:
    error = ("Traceback (most recent call last):\n  File \"toy.py\", line 3, in main\n"
             "RuntimeError: bad data path\n\n--- log tail ---\nsome log line\n")
    assert failure_summary(error) == "RuntimeError: bad data path"
    assert failure_summary("timed out after 3 s\n--- log tail ---\n") == "timed out after 3 s"
    assert failure_summary(None) == "unknown"


def test_every_job_breaking_the_same_way_stops_the_run_after_three(toy_experiment: Path, run_cli) -> None:
    _write_main(toy_experiment, """
        def main(job_id, params):
            raise RuntimeError("bad data path")
        """)
    result = run_cli("run", str(toy_experiment), "--max-evals", "20", "--method", "rand", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "all 3 jobs this run finished broke with the same error: RuntimeError: bad data path" in result.stderr
    assert "reason: RuntimeError: bad data path" in result.stdout
    assert "reason: Traceback" not in result.stdout
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs(EXPERIMENT)
    assert sum(j.status is JobStatus.BROKEN for j in jobs) == 3
    assert not [j for j in jobs if j.status is JobStatus.RUNNING]


def test_eight_crashes_in_a_row_with_different_errors_still_stop_the_run(toy_experiment: Path, run_cli) -> None:
    _write_main(toy_experiment, """
        def main(job_id, params):
            if job_id == 1:
                return {"objective": 1.0, "budget_left": -1.0}  # infeasible but complete: not a crash
            raise RuntimeError(f"failure number {job_id}")
        """)
    result = run_cli("run", str(toy_experiment), "--max-evals", "20", "--method", "rand", check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "the last 8 jobs all broke (last: job 9: RuntimeError: failure number 9)" in result.stderr


def test_time_limit_leaves_no_orphan_job_in_the_queue(toy_experiment: Path, run_cli) -> None:
    _write_main(toy_experiment, """
        import time
        def main(job_id, params):
            time.sleep(60)
            return {"objective": 1.0, "budget_left": 1.0}
        """)
    result = run_cli("run", str(toy_experiment), "--max-evals", "5", "--method", "rand", "--workers", "2",
                     "--max-time", "4s")
    assert "stopped (max-time)" in result.stdout and "no worker finished were cancelled" in result.stdout
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        assert store.list_jobs(EXPERIMENT) == []
        assert store.add_job(EXPERIMENT, Job(id=0, experiment=EXPERIMENT)).id == 3, "ids are never reused"


def test_queue_only_driver_without_workers_says_it_is_waiting_then_cancels_its_queue(
        toy_experiment: Path) -> None:
    output: list[str] = []
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        driver = _driver(toy_experiment, store, output, max_time_s=1.5, queue_only=True, idle_notice_s=0.4)
        summary = driver.run()
        left = store.list_jobs(EXPERIMENT)
    notices = [line for line in output if line.startswith("hyperpower: waiting for workers: 1 job(s) queued")]
    assert 3 <= len(notices) <= 5, output
    assert f"hyperpower worker --store sqlite:///{toy_experiment / 'hyperpower.sqlite'}" in notices[0]
    assert summary.stopped_by == "max-time" and summary.cancelled == [1] and left == []
