"""Distributed workers under load and faults, on a real SQLite store and real OS processes."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from hyperpower.config import config_to_json, load_config
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.worker import META_CONFIG, META_EXPERIMENT_DIR
from hyperpower.store import open_store

pytestmark = pytest.mark.e2e  # every test here starts hyperpower processes

REPO = Path(__file__).resolve().parents[2]
EXPERIMENT = "spearmint_toy"


def _store_uri(folder: Path) -> str:
    return f"sqlite:///{folder / 'hyperpower.sqlite'}"


def _write_main(folder: Path, ledger: Path, sleep_s: float) -> None:
    (folder / "toy.py").write_text(textwrap.dedent(f"""
        import os, time
        def main(job_id, params):
            time.sleep({sleep_s} if job_id == 1 else 0)
            with open({str(ledger)!r}, "a") as f:
                f.write(f"{{job_id}}\\n")
            return {{"objective": float(params["x"][0]), "budget_left": 1.0}}
        """))


def _publish(folder: Path, job_count: int) -> None:
    """What a `run --queue-only` driver leaves in the store: the config snapshot and queued jobs."""
    config = load_config(folder / "config.json")
    with open_store(_store_uri(folder)) as store:
        store.set_meta(EXPERIMENT, META_CONFIG, config_to_json(config))
        store.set_meta(EXPERIMENT, META_EXPERIMENT_DIR, str(folder))
        for index in range(job_count):
            raw = {"x": index / job_count, "y": 0.5}
            store.add_job(EXPERIMENT, Job(id=0, experiment=EXPERIMENT, method="rand", raw_params=raw, params=raw))


def _start_worker(folder: Path, *extra: str, own_session: bool = False) -> subprocess.Popen:
    command = [sys.executable, "-m", "hyperpower", "worker", "--store", _store_uri(folder),
               "--experiment", EXPERIMENT, "--poll-interval", "0.2", *extra]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=own_session)


def _jobs(folder: Path) -> list[Job]:
    with open_store(_store_uri(folder)) as store:
        return store.list_jobs(EXPERIMENT)


def _wait_until(predicate, timeout_s: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


def test_four_workers_run_a_hundred_jobs_each_exactly_once(toy_experiment: Path) -> None:
    ledger = toy_experiment / "ledger.txt"
    _write_main(toy_experiment, ledger, sleep_s=0)
    _publish(toy_experiment, 100)  # each job a fresh process: about 0.2 s of CPU each
    workers = [_start_worker(toy_experiment, "--max-jobs", "100") for _ in range(4)]
    _wait_until(lambda: all(j.status.finished for j in _jobs(toy_experiment)), timeout_s=600)
    for worker in workers:
        worker.send_signal(signal.SIGTERM)
    outputs = [worker.communicate(timeout=60)[0] for worker in workers]
    assert all(worker.returncode == 128 + signal.SIGTERM for worker in workers), outputs
    jobs = _jobs(toy_experiment)
    assert len(jobs) == 100 and all(j.status is JobStatus.COMPLETE for j in jobs)
    executions = collections.Counter(ledger.read_text().split())
    assert executions == collections.Counter(str(i) for i in range(1, 101)), "a job was lost or ran twice"
    assert len({j.worker for j in jobs}) >= 2, "the load was not shared between workers"


def _worker_busy_with_a_slow_first_job(folder: Path, job_count: int,
                                       own_session: bool = False) -> tuple[subprocess.Popen, Path]:
    """A worker running job 1 (which sleeps 30 s) out of ``job_count`` queued jobs, and the ledger."""
    ledger = folder / "ledger.txt"
    _write_main(folder, ledger, sleep_s=30)
    _publish(folder, job_count)
    worker = _start_worker(folder, own_session=own_session)
    _wait_until(lambda: _jobs(folder)[0].status is JobStatus.RUNNING)
    return worker, ledger


@pytest.mark.xdist_group("signals")  # kills or signals mid-run: one at a time (tests/conftest.py)
def test_job_of_a_killed_worker_is_completed_by_another(toy_experiment: Path) -> None:
    first, ledger = _worker_busy_with_a_slow_first_job(toy_experiment, 3)
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    _write_main(toy_experiment, ledger, sleep_s=0)  # the retry of job 1 is quick
    with open_store(_store_uri(toy_experiment)) as store:
        # what the driver does each iteration; a tiny timeout stands in for a minute of silence
        assert store.requeue_stale(EXPERIMENT, timeout_s=0.0, max_attempts=3) == [1]
    second = _start_worker(toy_experiment, "--max-jobs", "3")
    assert second.wait(timeout=120) == 0
    jobs = _jobs(toy_experiment)
    assert [j.status for j in jobs] == [JobStatus.COMPLETE] * 3
    assert jobs[0].attempts == 2, "job 1 ran once in the killed worker, then once more"
    assert jobs[0].worker == jobs[1].worker, "the surviving worker finished the killed worker's job"
    assert ledger.read_text().split().count("1") == 1, "the killed attempt must not have recorded a result"


@pytest.mark.xdist_group("signals")  # kills or signals mid-run: one at a time (tests/conftest.py)
def test_sigterm_gives_the_running_job_back(toy_experiment: Path) -> None:
    worker, ledger = _worker_busy_with_a_slow_first_job(toy_experiment, 1)
    worker.send_signal(signal.SIGTERM)
    output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 143, output
    assert "interrupted by SIGTERM after 0 job(s): job(s) 1 went back to the queue" in output
    job = _jobs(toy_experiment)[0]
    assert job.status is JobStatus.PENDING and job.worker is None and job.attempts == 1
    assert not ledger.exists()


@pytest.mark.xdist_group("signals")  # kills or signals mid-run: one at a time (tests/conftest.py)
def test_ctrl_c_to_the_process_group_gives_the_running_job_back(toy_experiment: Path) -> None:
    worker, ledger = _worker_busy_with_a_slow_first_job(toy_experiment, 1, own_session=True)
    time.sleep(1.0)  # the job process is up and sleeping
    os.killpg(worker.pid, signal.SIGINT)  # a terminal's Ctrl-C reaches the job process's group too
    output = worker.communicate(timeout=30)[0]
    assert worker.returncode == 130, output
    assert "interrupted by SIGINT after 0 job(s): job(s) 1 went back to the queue" in output
    assert "Traceback" not in output
    job = _jobs(toy_experiment)[0]
    assert job.status is JobStatus.PENDING and job.error is None and job.attempts == 1
    assert not ledger.exists()


def test_queue_only_driver_feeds_distributed_workers_until_done(toy_experiment: Path, run_cli) -> None:
    ledger = toy_experiment / "ledger.txt"
    _write_main(toy_experiment, ledger, sleep_s=0)
    workers = []
    driver = subprocess.Popen([sys.executable, "-m", "hyperpower", "run", str(toy_experiment), "--queue-only",
                               "--max-evals", "8", "--method", "rand", "--seed", "1"],
                              cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_until(lambda: (toy_experiment / "hyperpower.sqlite").exists() and len(_jobs(toy_experiment)) >= 1)
    workers = [_start_worker(toy_experiment) for _ in range(2)]
    output = driver.communicate(timeout=180)[0]
    assert driver.returncode == 0, output
    for worker in workers:  # they see the experiment marked finished and leave by themselves
        assert worker.wait(timeout=60) == 0
    jobs = _jobs(toy_experiment)
    assert len(jobs) == 8 and all(j.status is JobStatus.COMPLETE for j in jobs)
    assert collections.Counter(ledger.read_text().split()) == collections.Counter(str(i) for i in range(1, 9))
    with open_store(_store_uri(toy_experiment)) as store:
        registry = store.list_meta(EXPERIMENT, "worker/")
    assert len(registry) == 2 and all(entry["state"] == "stopped" for entry in registry.values())


def test_worker_started_before_its_driver_waits_for_it_and_prints_one_line_per_job(toy_experiment: Path) -> None:
    ledger = toy_experiment / "ledger.txt"
    _write_main(toy_experiment, ledger, sleep_s=0)
    worker = _start_worker(toy_experiment, "--max-jobs", "2", "--wait", "2m")
    first_line = worker.stdout.readline()
    assert "waiting up to 120 s for a driver of 'spearmint_toy'" in first_line, first_line
    assert worker.poll() is None and not (toy_experiment / "hyperpower.sqlite").exists()
    _publish(toy_experiment, 2)  # the driver arrives: creates the store and queues
    output = first_line + worker.communicate(timeout=120)[0]
    assert worker.returncode == 0, output
    job_lines = [line for line in output.splitlines() if line.startswith("job ")]
    assert len(job_lines) == 2 and all("complete" in line for line in job_lines), output
    assert [j.status for j in _jobs(toy_experiment)] == [JobStatus.COMPLETE] * 2


def test_worker_with_a_wrong_store_path_leaves_no_file_behind(tmp_path: Path, run_cli) -> None:
    missing = tmp_path / "x.sqlite"
    result = run_cli("worker", "--store", f"sqlite:///{missing}", "--experiment", EXPERIMENT, "--wait", "1s",
                     check=False)
    assert result.returncode == 2, result.stderr
    assert "has no driver in store" in result.stderr and "--wait" in result.stderr
    assert not missing.exists()
    nowhere = tmp_path / "nonexistent" / "dir" / "x.sqlite"
    result = run_cli("worker", "--store", f"sqlite:///{nowhere}", "--experiment", EXPERIMENT, check=False)
    assert result.returncode == 1 and f"folder {nowhere.parent} does not exist" in result.stderr
    assert not (tmp_path / "nonexistent").exists()
    result = run_cli("worker", "--store", f"sqlite:///{missing}", "--experiment", EXPERIMENT, "--wait", "soon",
                     check=False)
    assert result.returncode == 2 and "--wait 'soon': expected a duration" in result.stderr
