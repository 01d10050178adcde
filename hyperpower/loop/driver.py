"""The driver: keeps the queue filled with the optimizer's suggestions until the run is done.

It never trains anything itself. Each iteration it (1) returns jobs of dead workers to the queue,
(2) stops when ``max_evals`` jobs are finished or ``max_time_s`` has passed, (3) tops the queue up
to one pending job per idle worker, asking the optimizer with every pending and running job passed
along (so parallel suggestions differ), and (4) reports newly finished jobs. Everything it knows
lives in the store, so a killed driver restarts where it stopped.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from pathlib import Path
from typing import Callable

import numpy as np

from hyperpower.config import ExperimentConfig, config_to_json
from hyperpower.errors import HyperPowerError
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.outcome import method_label
from hyperpower.loop.progress import ProgressPrinter
from hyperpower.loop.worker import (META_CONFIG, META_EXPERIMENT_DIR, META_FINISHED, Worker,
                                    live_worker_count, worker_is_dead_here)
from hyperpower.store.base import ExperimentStore


@dataclasses.dataclass
class RunOptions:
    workers: int = 1
    queue_only: bool = False
    poll_interval_s: float = 0.5
    heartbeat_timeout_s: float = 60.0
    max_attempts: int = 3
    max_consecutive_broken: int = 8


@dataclasses.dataclass
class RunSummary:
    finished: int
    complete: int
    broken: int
    stopped_by: str  # "max-evals", "max-time" or "interrupted"
    elapsed_s: float


class Driver:
    """Suggest -> queue -> (workers execute) -> observe, until the experiment's budget is spent."""

    def __init__(self, store: ExperimentStore, paths: ExperimentPaths, config: ExperimentConfig,
                 config_path: Path, optimizer, options: RunOptions | None = None,
                 output: Callable[[str], None] = print) -> None:
        self.store, self.paths, self.config, self.config_path = store, paths, config, config_path
        self.optimizer = optimizer
        self.options = options or RunOptions()
        self.name = config.name
        self.progress = ProgressPrinter(config, output)
        self.stop_event = threading.Event()
        self.threads: list[threading.Thread] = []
        self.worker_errors: list[BaseException] = []

    # -- public ----------------------------------------------------------------------------
    def run(self) -> RunSummary:
        started = time.monotonic()
        self._publish_experiment()
        self._requeue_dead_workers(immediately=True)
        self.progress.remember_finished(self.store.list_jobs(self.name))
        if not self.options.queue_only:
            self._start_local_workers()
        stopped_by = "interrupted"
        try:
            stopped_by = self._loop(started)
        finally:
            self._shut_down(stopped_by)
        jobs = self.store.list_jobs(self.name)
        self.progress.report_new(jobs)
        return RunSummary(
            finished=sum(j.status in (JobStatus.COMPLETE, JobStatus.BROKEN) for j in jobs),
            complete=sum(j.status is JobStatus.COMPLETE for j in jobs),
            broken=sum(j.status is JobStatus.BROKEN for j in jobs),
            stopped_by=stopped_by, elapsed_s=time.monotonic() - started)

    # -- steps -----------------------------------------------------------------------------
    def _publish_experiment(self) -> None:
        """Snapshot the config in the store so distributed workers run exactly this experiment."""
        self.store.set_meta(self.name, META_CONFIG, config_to_json(self.config))
        self.store.set_meta(self.name, META_EXPERIMENT_DIR, str(self.paths.root))
        self.store.set_meta(self.name, META_FINISHED, False)

    def _requeue_dead_workers(self, immediately: bool = False) -> None:
        """Jobs of crashed workers go back to the queue: at once for workers of this host whose
        process is gone, after ``heartbeat_timeout_s`` for any other."""
        if immediately:
            for job in self.store.list_jobs(self.name, JobStatus.RUNNING):
                if not worker_is_dead_here(job.worker):
                    continue
                if job.attempts >= self.options.max_attempts:
                    self.store.finish_job(self.name, job.id, None, JobStatus.BROKEN,
                                          error=f"its worker died {job.attempts} times while running it")
                else:
                    self.store.release_job(self.name, job.id, job.worker)
        self.store.requeue_stale(self.name, self.options.heartbeat_timeout_s, self.options.max_attempts)

    def _loop(self, started: float) -> str:
        settings = self.config.settings
        while True:
            self._raise_worker_error()
            self._requeue_dead_workers()
            jobs = self.store.list_jobs(self.name)
            self.progress.report_new(jobs)
            self._check_failure_streak(jobs)
            finished = [j for j in jobs if j.status in (JobStatus.COMPLETE, JobStatus.BROKEN)]
            if len(finished) >= settings.max_evals:
                return "max-evals"
            if settings.max_time_s and time.monotonic() - started >= settings.max_time_s:
                return "max-time"
            self._top_up_queue(jobs, len(finished))
            self.stop_event.wait(self.options.poll_interval_s)

    def _top_up_queue(self, jobs: list[Job], finished: int) -> None:
        pending = sum(j.status is JobStatus.PENDING for j in jobs)
        running = sum(j.status is JobStatus.RUNNING for j in jobs)
        idle_workers = max(self._worker_count() - running, 0)
        room = self.config.settings.max_evals - finished - pending - running
        count = min(idle_workers - pending, room)
        if count <= 0:
            return
        for suggestion in self.optimizer.suggest(jobs, count):
            job = Job(id=0, experiment=self.name, method=method_label(self.config.settings),
                      raw_params=suggestion.raw_params,
                      params=self.config.space.network_params(suggestion.raw_params),
                      predicted=dict(suggestion.predicted))
            self.store.add_job(self.name, job)

    def _worker_count(self) -> int:
        """Local runs own their workers; a queue-only driver counts the live ones in the store
        (``--workers`` is what it expects before any has announced itself)."""
        if not self.options.queue_only:
            return self.options.workers
        live = live_worker_count(self.store, self.name, self.options.heartbeat_timeout_s)
        return live or self.options.workers

    def _check_failure_streak(self, jobs: list[Job]) -> None:
        """Many broken jobs in a row mean a broken experiment, not unlucky configurations.
        Only crashes count (exceptions, time-outs, kills): a NaN result is a COMPLETE, invalid
        job, the optimizer's information about where valid results lie."""
        limit = self.options.max_consecutive_broken
        finished = [j for j in jobs if j.status in (JobStatus.COMPLETE, JobStatus.BROKEN)]
        finished.sort(key=lambda j: (j.end_time or 0.0, j.id))
        streak = finished[-limit:]
        if limit and len(streak) == limit and all(j.status is JobStatus.BROKEN for j in streak):
            reason = (streak[-1].error or "unknown").strip().splitlines()
            last_line = next((line for line in reversed(reason) if line.strip() and not line.startswith("---")), "unknown")
            raise HyperPowerError(
                f"the last {limit} jobs of {self.name!r} all broke (last: job {streak[-1].id}: {last_line}); "
                f"stopping the run. See {self.paths.output_dir} for the job logs and "
                f"`hyperpower status {self.paths.root}` for the reasons.")

    # -- local workers ---------------------------------------------------------------------
    def _start_local_workers(self) -> None:
        for index in range(self.options.workers):
            worker = Worker(self.store, self.paths, self.config, self.config_path,
                            poll_interval_s=self.options.poll_interval_s, stop_event=self.stop_event)
            thread = threading.Thread(target=self._run_worker, args=(worker,), name=f"worker-{index}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def _run_worker(self, worker: Worker) -> None:
        try:
            worker.run()
        except BaseException as exc:  # noqa: BLE001 - surfaced in the driver thread
            self.worker_errors.append(exc)

    def _raise_worker_error(self) -> None:
        if self.worker_errors:
            raise self.worker_errors[0]

    def _shut_down(self, stopped_by: str) -> None:
        """Mark the experiment finished for the workers; local ones give back unfinished jobs."""
        if stopped_by in ("max-evals", "max-time"):
            self.store.set_meta(self.name, META_FINISHED, True)
        self.stop_event.set()
        for thread in self.threads:
            thread.join()


def seeded_rng(seed: int | None, finished_jobs: int) -> np.random.Generator:
    """A seeded run stays reproducible across resumes: the stream depends on how far it got."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, finished_jobs])
