"""The doorbell between a run's driver and its local workers (``loop.doorbell``): a queued job is
claimed, and a finished one seen, at once instead of after a poll interval; a stop still wakes a
waiter within ``STOP_CHECK_S``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from hyperpower.experiment import resolve_experiment
from hyperpower.generate import GenerateOptions
from hyperpower.jobs import JobStatus
from hyperpower.loop.doorbell import STOP_CHECK_S, Doorbell
from hyperpower.loop.driver import Driver, RunOptions
from hyperpower.loop.preparation import prepare_run, write_run_files
from hyperpower.optimize import Optimizer
from hyperpower.store import open_store


def _ring_later(bell: Doorbell, delay_s: float) -> threading.Thread:
    thread = threading.Thread(target=lambda: (time.sleep(delay_s), bell.ring()))
    thread.start()
    return thread


def test_a_ring_after_since_wakes_the_waiter_and_a_ring_before_it_does_not_count() -> None:
    bell, stop = Doorbell(), threading.Event()
    bell.ring()  # before `since`: already seen by the waiter's look for work
    since = bell.rings()
    started = time.monotonic()
    bell.wait(since, 0.3, stop)
    assert time.monotonic() - started >= 0.3, "an old ring must not end the wait"

    since = bell.rings()
    bell.ring()  # between the look for work and the wait: never missed
    started = time.monotonic()
    bell.wait(since, 30, stop)
    assert time.monotonic() - started < 1

    thread = _ring_later(bell, 0.2)
    started = time.monotonic()
    bell.wait(bell.rings(), 30, stop)
    assert 0.1 < time.monotonic() - started < 10
    thread.join()


def test_a_stop_request_ends_the_wait_without_a_ring() -> None:
    """Signal handlers set the stop event; they cannot ring (the bell's lock is not theirs)."""
    bell, stop = Doorbell(), threading.Event()
    setter = threading.Thread(target=lambda: (time.sleep(0.2), stop.set()))
    setter.start()
    started = time.monotonic()
    bell.wait(bell.rings(), 30, stop)
    assert time.monotonic() - started < 0.2 + STOP_CHECK_S + 5
    setter.join()


@pytest.mark.e2e
def test_local_workers_need_no_poll_interval_between_jobs(toy_experiment: Path) -> None:
    """Three jobs with a 60 s poll interval: a driver that polled would wait a minute for the
    worker to claim the first job, and again between jobs."""
    paths = resolve_experiment(toy_experiment)
    prepared = prepare_run(paths, GenerateOptions(method="rand", max_evals=3, seed=0))
    write_run_files(paths, prepared)
    with open_store(prepared.store_uri) as store:
        driver = Driver(store, paths, prepared.config, prepared.config_path,
                        Optimizer(prepared.config, {}, np.random.default_rng(0)),
                        RunOptions(poll_interval_s=60), output=lambda line: None)
        summary = driver.run()
        jobs = store.list_jobs(prepared.config.name)
    assert summary.stopped_by == "max-evals" and [j.status for j in jobs] == [JobStatus.COMPLETE] * 3
    assert summary.elapsed_s < 50, f"{summary.elapsed_s:.1f} s: a poll interval was waited out"
