"""Suggestions fitted while workers train (issue 18): the background fit is given the latest
finished results and every pending/running job, and a freed worker's job is the one fitted ahead."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.background_fit import BackgroundSuggester
from hyperpower.loop.driver import Driver, RunOptions
from hyperpower.loop.preparation import prepare_run, write_run_files
from hyperpower.optimize import Optimizer
from hyperpower.optimize.optimizer import Suggestion
from hyperpower.store import open_store

EXPERIMENT = "spearmint_toy"


class RecordingOptimizer:
    """Wraps an optimizer; remembers (finished ids, pending/running ids) of every call."""

    def __init__(self, optimizer) -> None:
        self.optimizer = optimizer
        self.calls: list[tuple[frozenset[int], frozenset[int], int]] = []
        self.thread_names: list[str] = []

    def suggest(self, jobs, count: int = 1):
        self.calls.append((frozenset(j.id for j in jobs if j.status.finished),
                           frozenset(j.id for j in jobs if not j.status.finished), count))
        self.thread_names.append(threading.current_thread().name)
        return self.optimizer.suggest(jobs, count)


class CountingOptimizer:
    """A stand-in optimizer: suggestion k is x = k / 100."""

    def __init__(self) -> None:
        self.count = 0

    def suggest(self, jobs, count: int = 1):
        self.count += 1
        return [Suggestion({"x": self.count / 100}, {}) for _ in range(count)]


def _job(job_id: int, status: JobStatus, x: float) -> Job:
    return Job(id=job_id, experiment="e", status=status, raw_params={"x": x}, values={"objective": x})


def test_prepare_fits_from_latest_results_and_take_returns_it() -> None:
    recording = RecordingOptimizer(CountingOptimizer())
    background = BackgroundSuggester(recording)
    jobs = [_job(1, JobStatus.COMPLETE, 0.9), _job(2, JobStatus.RUNNING, 0.8), _job(3, JobStatus.PENDING, 0.7)]
    background.prepare(jobs)
    background.prepare(jobs)  # same results: no second fit
    background._fit.future.result()
    assert recording.calls == [(frozenset({1}), frozenset({2, 3}), 1)]
    assert recording.thread_names[0].startswith("hyperpower-fit")
    jobs[1] = _job(2, JobStatus.COMPLETE, 0.8)  # a result arrives: fit again with it
    background.prepare(jobs)
    assert background.take(jobs).raw_params == {"x": 0.02}
    assert recording.calls[-1] == (frozenset({1, 2}), frozenset({3}), 1)
    assert background.take(jobs) is None  # taken: the next one needs a new prepare
    background.close()


def test_a_prepared_configuration_queued_meanwhile_is_not_suggested_twice() -> None:
    background = BackgroundSuggester(CountingOptimizer())
    jobs = [_job(1, JobStatus.COMPLETE, 0.9)]
    background.prepare(jobs)
    background._fit.future.result()
    assert background.take(jobs + [_job(2, JobStatus.PENDING, 0.01)]) is None
    background.close()


@pytest.mark.e2e
def test_driver_queues_the_suggestion_fitted_from_the_latest_results_and_pending_jobs(toy_experiment: Path) -> None:
    """The test is the only worker (a queue-only driver expecting 3): after each result it waits
    for the driver's next background fit and checks what that fit was given."""
    paths = resolve_experiment(toy_experiment)
    prepared = prepare_run(paths, GenerateOptions(method="hw-ieci", max_evals=9))
    write_run_files(paths, prepared)
    recording = RecordingOptimizer(Optimizer(prepared.config, {}, np.random.default_rng(0)))
    with open_store(f"sqlite:///{toy_experiment / 'hyperpower.sqlite'}") as store:
        driver = Driver(store, paths, prepared.config, prepared.config_path, recording,
                        RunOptions(workers=3, queue_only=True, poll_interval_s=0.05), output=lambda line: None)
        thread = threading.Thread(target=driver.run, daemon=True)
        thread.start()
        try:
            running = [_claim(store) for _ in range(3)]
            ahead = _wait(lambda: next((f for f in driver.background.started if not f.finished), None))
            for step in range(5):
                job = running.pop(0)
                x, y = job.raw_params["x"], job.raw_params["y"]
                store.finish_job(EXPERIMENT, job.id, "tester", JobStatus.COMPLETE,
                                 values={"objective": (x - 0.3) ** 2 + y, "budget_left": 1.0}, feasible=True)
                # the freed worker's next job is the one fitted ahead, before this result arrived
                running.append(_claim(store))
                assert running[-1].raw_params == ahead.future.result()[0].raw_params
                # and the fit for the next free worker starts from this result, with every job in flight
                finished = {j.id for j in store.list_jobs(EXPERIMENT) if j.status.finished}
                ahead = _wait(lambda: next((f for f in driver.background.started if f.finished == finished), None))
                jobs = store.list_jobs(EXPERIMENT)
                assert ahead.finished == {j.id for j in jobs if j.status.finished} == finished, "the latest results"
                assert ahead.pending == {j.id for j in jobs if not j.status.finished}, "every pending/running job"
                assert running[-1].id in ahead.pending and len(ahead.pending) == 3
        finally:
            driver.stop_event.set()
            thread.join(timeout=60)
    assert not thread.is_alive()
    assert any(name.startswith("hyperpower-fit") for name in recording.thread_names)


def _claim(store) -> Job:
    return _wait(lambda: store.claim_job(EXPERIMENT, "tester"))


def _wait(probe, timeout_s: float = 60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = probe()
        if found is not None:
            return found
        time.sleep(0.02)
    raise AssertionError("timed out")
