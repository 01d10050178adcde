"""Heartbeats cover a job's whole stay in its worker, and a worker that lost its job goes on."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from hyperpower.config import config_to_json, load_config
from hyperpower.hardware.measure_server import TEST_MEASURE_DELAY_ENV
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.heartbeat import JobHeartbeat
from hyperpower.loop.worker import META_CONFIG, META_EXPERIMENT_DIR, Worker, worker_context
from hyperpower.store import open_store
from hyperpower.store.sqlite import SQLiteStore

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = "spearmint_toy"


def test_heartbeat_thread_beats_while_the_worker_is_blocked_and_notices_a_requeue(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "s.sqlite") as store:
        store.add_job("e", Job(id=0, experiment="e"))
        store.claim_job("e", "w")
        first_beat = store.get_job("e", 1).heartbeat_time
        with JobHeartbeat(store, "e", 1, "w", interval_s=0.05) as beat:
            time.sleep(0.5)  # the worker's thread busy with something long (a measurement)
            assert store.get_job("e", 1).heartbeat_time > first_beat
            assert not beat.lost.is_set()
            assert store.requeue_stale("e", timeout_s=0.0, max_attempts=3) == [1]
            time.sleep(0.3)
            assert beat.lost.is_set(), "the heartbeat thread must notice the job is no longer ours"


class _BeatsNeverArrive(SQLiteStore):
    """A worker whose heartbeats do not reach the store (a slow network, a paused VM): the driver
    requeues its job while it still runs it."""

    def heartbeat(self, experiment: str, job_id: int, worker: str) -> bool:
        return True


@pytest.mark.e2e
def test_worker_whose_result_is_refused_drops_it_and_goes_on(toy_experiment: Path) -> None:
    ledger = toy_experiment / "ledger.txt"
    (toy_experiment / "toy.py").write_text(textwrap.dedent(f"""
        import time
        def main(job_id, params):
            time.sleep(1.5 if job_id == 1 else 0)
            with open({str(ledger)!r}, "a") as f:
                f.write(f"{{job_id}}\\n")
            return {{"objective": float(params["x"][0]), "budget_left": 1.0}}
        """))
    path = toy_experiment / "hyperpower.sqlite"
    with open_store(f"sqlite:///{path}") as store:
        store.set_meta(EXPERIMENT, META_CONFIG, config_to_json(load_config(toy_experiment / "config.json")))
        store.set_meta(EXPERIMENT, META_EXPERIMENT_DIR, str(toy_experiment))
        for x in (0.1, 0.2):
            store.add_job(EXPERIMENT, Job(id=0, experiment=EXPERIMENT, raw_params={"x": x, "y": 0.5},
                                          params={"x": x, "y": 0.5}))

    def requeue_job_one_while_it_runs() -> None:
        with open_store(f"sqlite:///{path}") as driver_store:
            while driver_store.get_job(EXPERIMENT, 1).status is not JobStatus.RUNNING:
                time.sleep(0.05)
            driver_store.requeue_stale(EXPERIMENT, timeout_s=0.0, max_attempts=3)

    messages: list[str] = []
    with _BeatsNeverArrive(path) as store:
        paths, config, config_path = worker_context(store, EXPERIMENT)
        worker = Worker(store, paths, config, config_path, exit_when_idle=True, poll_interval_s=0.1,
                        notify=messages.append)
        driver = threading.Thread(target=requeue_job_one_while_it_runs)
        driver.start()
        done = worker.run()
        driver.join()
        jobs = store.list_jobs(EXPERIMENT)
    assert worker.executor.lost == [1]
    assert any("lost job 1" in message and "result is dropped" in message for message in messages), messages
    assert done == 2 and [j.status for j in jobs] == [JobStatus.COMPLETE, JobStatus.COMPLETE]
    assert jobs[0].attempts == 2, "job 1 was run again after the first attempt was dropped"
    assert ledger.read_text().split().count("1") == 2


@pytest.mark.e2e
@pytest.mark.slow
def test_a_measurement_longer_than_the_heartbeat_timeout_keeps_its_job(tmp_path: Path) -> None:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    result = subprocess.run(
        [sys.executable, "-m", "hyperpower", "run", str(folder), "--epochs", "1", "--max-evals", "1",
         "--method", "rand", "--seed", "0", "--heartbeat-timeout", "3"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, **{TEST_MEASURE_DELAY_ENV: "8"}))
    assert result.returncode == 0, result.stdout + result.stderr
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        [job] = store.list_jobs("digits")
    assert job.status is JobStatus.COMPLETE and job.attempts == 1, job.error
    assert job.values["latency"] > 0
    assert "lost job" not in result.stdout
