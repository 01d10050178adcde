"""Ctrl-C and SIGTERM, sent as a terminal or a batch system sends them (to the whole process
group), give the running job back to the queue; the next run re-runs it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hyperpower import cli
from hyperpower.jobs import JobStatus
from hyperpower.loop.interrupts import Interrupted, StopSignals
from hyperpower.store import open_store

REPO = Path(__file__).resolve().parents[2]


def _deliver(signal_number: int) -> None:
    """Send a signal to this process; Python runs the handler at the next bytecode."""
    os.kill(os.getpid(), signal_number)
    time.sleep(0.05)


def test_first_signal_in_the_loop_requests_a_stop_and_a_second_one_quits() -> None:
    with StopSignals() as signals:
        with signals.deferred() as stop:
            _deliver(signal.SIGTERM)
            assert stop.is_set() and signals.exit_code == 143 and signals.signal_name == "SIGTERM"
            with pytest.raises(Interrupted) as second:
                _deliver(signal.SIGINT)
    assert second.value.exit_code == 143, "the first signal decides the exit status"
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_a_signal_before_the_loop_interrupts_at_once_with_its_exit_status(capsys) -> None:
    def command() -> int:
        with StopSignals():
            _deliver(signal.SIGTERM)
            return 0

    assert cli.run_reporting_errors(command) == 143
    assert capsys.readouterr().err == "hyperpower: interrupted by SIGTERM\n"


def _jobs(folder: Path):
    if not (folder / "hyperpower.sqlite").exists():
        return []
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        return store.list_jobs(folder.name)


def _wait_until(predicate, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.2)


def _training_started(folder: Path) -> bool:
    jobs = _jobs(folder)
    log = folder / "output" / "job_00001.out"
    return bool(jobs) and jobs[0].status is JobStatus.RUNNING and log.exists() and "epoch 1/" in log.read_text()


@pytest.mark.slow
@pytest.mark.xdist_group("signals")  # signals a run mid-training: one at a time (tests/conftest.py)
@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_signal_to_the_process_group_gives_the_running_digits_job_back(
        tmp_path: Path, run_cli, signal_number: int) -> None:
    folder = tmp_path / "digits"
    shutil.copytree(REPO / "experiments" / "digits" / "keras_model", folder / "keras_model")
    driver = subprocess.Popen(
        [sys.executable, "-m", "hyperpower", "run", str(folder), "--epochs", "40", "--max-evals", "1",
         "--method", "rand", "--seed", "0"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        _wait_until(lambda: _training_started(folder), timeout_s=300)
        os.killpg(driver.pid, signal_number)  # what Ctrl-C in a terminal / `kill -TERM -PGID` does
        stdout, stderr = driver.communicate(timeout=120)
    finally:
        if driver.poll() is None:
            os.killpg(driver.pid, signal.SIGKILL)
            driver.wait()
    assert driver.returncode == 128 + signal_number, stdout + stderr
    name = signal.Signals(signal_number).name
    assert f"hyperpower: interrupted by {name}" in stderr and "job(s) 1 went back to the queue" in stderr, stderr
    assert "Traceback" not in stderr
    [job] = _jobs(folder)
    assert job.status is JobStatus.PENDING and job.worker is None and job.error is None
    assert job.attempts == 1  # released, not counted as a finished evaluation
    assert "KeyboardInterrupt" not in (folder / "output" / "job_00001.out").read_text()
    if signal_number != signal.SIGINT:
        return  # the job's state is the same after either signal: one resumed run checks what follows

    result = run_cli("run", str(folder), "--epochs", "1", "--max-evals", "1", "--method", "rand",
                     "--seed", "0", timeout=600)
    [job] = _jobs(folder)
    assert job.status is JobStatus.COMPLETE and job.attempts == 2, result.stdout
    assert "job    1 [rand] complete" in result.stdout
