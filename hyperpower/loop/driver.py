"""The driver: keeps the queue filled with the optimizer's suggestions until the run is done.

It never trains anything itself. Each iteration it (1) returns jobs whose heartbeat lapsed to the
queue, (2) stops when ``max_evals`` jobs are finished, ``max_time_s`` has passed or a stop was
requested (Ctrl-C, SIGTERM), (3) tops the queue up to one pending job per idle worker, asking the
optimizer with every pending and running job passed along (so parallel suggestions differ), and
(4) reports newly finished jobs. With more than one worker it then fits the next suggestion in
the background from the latest results (``background_fit``), so a worker that frees up gets its
next job without waiting for the optimizer. Everything it knows lives in the store, so a killed driver
restarts where it stopped; its driver lock (``driver_lock``) lets the new one requeue the jobs
of the old one's local workers at once.
"""

from __future__ import annotations

import dataclasses
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

import numpy as np

from hyperpower.config import ExperimentConfig, config_to_json
from hyperpower.devices import job_device, unserved_devices
from hyperpower.errors import HyperPowerError
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import ENQUEUED_METHOD, Job, JobStatus
from hyperpower.loop.background_fit import BackgroundSuggester
from hyperpower.loop.doorbell import Doorbell
from hyperpower.loop.progress import ProgressPrinter
from hyperpower.loop.driver_lock import LOCK_FILE_NAME, DriverLock
from hyperpower.loop.failures import failure_stop_reason
from hyperpower.loop.heartbeat import DEFAULT_HEARTBEAT_TIMEOUT_S, META_HEARTBEAT_TIMEOUT
from hyperpower.loop.worker import (META_CONFIG, META_EXPERIMENT_DIR, META_FINISHED, META_WORKER_PREFIX, Worker,
                                    live_worker_count, local_run_token, local_worker_name)
from hyperpower.schedule.scheduler import make_scheduler
from hyperpower.store.base import ExperimentStore


@dataclasses.dataclass
class RunOptions:
    workers: int = 1
    queue_only: bool = False
    poll_interval_s: float = 0.5
    heartbeat_timeout_s: float = DEFAULT_HEARTBEAT_TIMEOUT_S
    max_attempts: int = 3
    max_consecutive_broken: int = 8
    same_error_limit: int = 3
    idle_notice_s: float = 30.0  # how often a queue-only driver with no live worker says so
    background_fit: bool = True  # with > 1 worker, keep the next suggestion fitted ahead


@dataclasses.dataclass
class RunSummary:
    finished: int
    complete: int
    broken: int
    stopped_by: str  # "max-evals", "max-time" or "interrupted"
    elapsed_s: float
    released: list[int] = dataclasses.field(default_factory=list)  # running jobs given back on a stop
    cancelled: list[int] = dataclasses.field(default_factory=list)  # queued jobs no worker took


class Driver:
    """Suggest -> queue -> (workers execute) -> observe, until the experiment's budget is spent.

    ``stop_event``: set it (a signal handler does, ``loop.interrupts``) to stop the run cleanly;
    local workers give their running jobs back to the queue.
    """

    def __init__(self, store: ExperimentStore, paths: ExperimentPaths, config: ExperimentConfig,
                 config_path: Path, optimizer, options: RunOptions | None = None,
                 output: Callable[[str], None] = print, stop_event: threading.Event | None = None) -> None:
        self.store, self.paths, self.config, self.config_path = store, paths, config, config_path
        self.optimizer = optimizer
        self.scheduler = make_scheduler(config, optimizer)  # None: every job at full fidelity
        self.options = options or RunOptions()
        self.name = config.name
        self.output = output
        self.progress = ProgressPrinter(config, output)
        self.stop_event = stop_event or threading.Event()
        self.run_token = uuid.uuid4().hex[:8]
        self.lock = DriverLock(paths.output_dir / LOCK_FILE_NAME)
        self.workers: list[Worker] = []
        self.threads: list[threading.Thread] = []
        self.worker_errors: list[BaseException] = []
        self._finished_before: set[int] = set()
        self._idle_since: float | None = None
        self.background = BackgroundSuggester(optimizer)
        self._device_notice_at = 0.0
        # local workers and this driver wake each other instead of polling (``loop.doorbell``)
        self.queued_bell, self.done_bell = Doorbell(), Doorbell()

    # -- public ----------------------------------------------------------------------------
    def run(self) -> RunSummary:
        started = time.monotonic()
        self.lock.acquire()
        stopped_by, cancelled = "interrupted", []
        try:
            self._publish_experiment()
            self._requeue_jobs_of_dead_local_workers()
            jobs = self.store.list_jobs(self.name)
            self._finished_before = {j.id for j in jobs if j.status.finished}
            self.progress.remember_finished(jobs)
            if not self.options.queue_only:
                self._start_local_workers()
            try:
                stopped_by = self._loop(started)
            finally:
                self._shut_down(stopped_by)
            if stopped_by == "max-time":
                cancelled = self._cancel_unclaimed_jobs()
        finally:
            if not any(thread.is_alive() for thread in self.threads):
                self.lock.release()  # else the process exit releases it, once no worker is left
        jobs = self.store.list_jobs(self.name)
        self.progress.report_new(jobs)
        return RunSummary(
            finished=sum(j.status in (JobStatus.COMPLETE, JobStatus.BROKEN) for j in jobs),
            complete=sum(j.status is JobStatus.COMPLETE for j in jobs),
            broken=sum(j.status is JobStatus.BROKEN for j in jobs),
            stopped_by=stopped_by, elapsed_s=time.monotonic() - started,
            released=sorted(job_id for worker in self.workers for job_id in worker.executor.released),
            cancelled=cancelled)

    # -- steps -----------------------------------------------------------------------------
    def _publish_experiment(self) -> None:
        """Snapshot the config in the store so distributed workers run exactly this experiment
        (and beat often enough for this driver's heartbeat timeout)."""
        self.store.set_meta(self.name, META_HEARTBEAT_TIMEOUT, self.options.heartbeat_timeout_s)
        self.store.set_meta(self.name, META_EXPERIMENT_DIR, str(self.paths.root))
        self.store.set_meta(self.name, META_FINISHED, False)
        self.store.set_meta(self.name, META_CONFIG, config_to_json(self.config))  # last: workers wait for it

    def _requeue_jobs_of_dead_local_workers(self) -> None:
        """Local workers of an earlier run died with their driver: this driver holds the driver
        lock, so that driver is gone (``driver_lock``), and their jobs go back to the queue now
        instead of after the heartbeat timeout. Distributed workers are judged by heartbeat only."""
        for job in self.store.list_jobs(self.name, JobStatus.RUNNING):
            token = local_run_token(job.worker)
            if token is None or token == self.run_token:
                continue
            if job.attempts >= self.options.max_attempts:
                self.store.finish_job(self.name, job.id, None, JobStatus.BROKEN,
                                      error=f"its worker died {job.attempts} times while running it")
            else:
                self.store.release_job(self.name, job.id, job.worker)

    def _loop(self, started: float) -> str:
        settings = self.config.settings
        while True:
            if self.stop_event.is_set():
                return "interrupted"
            rings = self.done_bell.rings()
            self._raise_worker_error()
            if self.store.requeue_stale(self.name, self.options.heartbeat_timeout_s, self.options.max_attempts):
                self.queued_bell.ring()
            jobs = self.store.list_jobs(self.name)
            self.progress.report_new(jobs)
            self._check_failures(jobs)
            finished = [j for j in jobs if j.status in (JobStatus.COMPLETE, JobStatus.BROKEN)]
            if len(finished) >= settings.search.max_evals:
                return "max-evals"
            if settings.search.max_time_s and time.monotonic() - started >= settings.search.max_time_s:
                return "max-time"
            workers = self._worker_count()
            fits_ahead = self.options.background_fit and workers > 1 and self.scheduler is None  # the scheduler asks itself
            if self._top_up_queue(jobs, len(finished), workers, fits_ahead):
                jobs = self.store.list_jobs(self.name)
            if fits_ahead and len(finished) + self._unfinished(jobs) < settings.search.max_evals:
                self.background.prepare(jobs)
            self._notice_missing_workers(jobs)
            self._notice_unserved_devices(jobs)
            self.done_bell.wait(rings, self.options.poll_interval_s, self.stop_event)

    def _top_up_queue(self, jobs: list[Job], finished: int, workers: int, fits_ahead: bool) -> bool:
        """Queue one job per idle worker (within max_evals); True when any was queued. With
        ``fits_ahead`` (background fitting pays with parallel workers; one worker would always
        run a suggestion made one result behind) the suggestion fitted ahead goes first; any
        further ones are computed now."""
        pending = sum(j.status is JobStatus.PENDING for j in jobs)
        running = sum(j.status is JobStatus.RUNNING for j in jobs)
        idle_workers = max(workers - running, 0)
        room = self.config.settings.search.max_evals - finished - pending - running
        count = min(idle_workers - pending, room)
        if count <= 0:
            return False
        if self.scheduler is not None:  # multi-fidelity: promotions and new configurations at a rung
            for job in self.scheduler.next_jobs(jobs, count):
                self.store.add_job(self.name, job)
            self.queued_bell.ring()
            return True
        if fits_ahead:
            prepared = self.background.take(jobs)
            if prepared is not None:
                self._queue(prepared)
                count -= 1
                if count:
                    jobs = self.store.list_jobs(self.name)
        if count > 0:
            for suggestion in self.background.suggest_now(jobs, count):
                self._queue(suggestion)
        return True

    def _queue(self, suggestion) -> None:
        job = Job(id=0, experiment=self.name, method=self.config.settings.search.label,
                  raw_params=suggestion.raw_params,
                  params=self.config.space.network_params(suggestion.raw_params),
                  predicted=dict(suggestion.predicted),
                  device=job_device(self.config.settings, suggestion.raw_params))
        self.store.add_job(self.name, job)
        self.queued_bell.ring()  # a local worker waiting for work claims it now

    @staticmethod
    def _unfinished(jobs: list[Job]) -> int:
        return sum(j.status in (JobStatus.PENDING, JobStatus.RUNNING) for j in jobs)

    def _worker_count(self) -> int:
        """Local runs own their workers; a queue-only driver counts the live ones in the store
        (``--workers`` is what it expects before any has announced itself)."""
        if not self.options.queue_only:
            return self.options.workers
        live = live_worker_count(self.store, self.name, self.options.heartbeat_timeout_s)
        return live or self.options.workers

    def _notice_missing_workers(self, jobs: list[Job]) -> None:
        """A queue-only driver whose queue nobody serves says so every ``idle_notice_s`` (at once
        the first time), with the command that starts a worker."""
        if not self.options.queue_only:
            return
        waiting = any(j.status is JobStatus.PENDING for j in jobs) and not any(
            j.status is JobStatus.RUNNING for j in jobs)
        if not waiting or live_worker_count(self.store, self.name, self.options.heartbeat_timeout_s):
            self._idle_since = None
            return
        now = time.monotonic()
        if self._idle_since is not None and now - self._idle_since < self.options.idle_notice_s:
            return
        self._idle_since = now
        queued = sum(j.status is JobStatus.PENDING for j in jobs)
        self.output(f"hyperpower: waiting for workers: {queued} job(s) queued and no live worker; start "
                    f"`hyperpower worker --store {self.store.uri} --experiment {self.name}`")

    def _notice_unserved_devices(self, jobs: list[Job]) -> None:
        """Jobs wait for a worker of their device (``hyperpower.devices``): a queue-only driver says,
        every ``idle_notice_s``, which devices no live worker serves and how to start one."""
        if not self.options.queue_only or not self.config.settings.devices.options:
            return
        now = time.time()
        missing = unserved_devices([j.device for j in jobs if j.status is JobStatus.PENDING],
                                   self.store.list_meta(self.name, META_WORKER_PREFIX), now,
                                   self.options.heartbeat_timeout_s)
        if not missing or now - self._device_notice_at < self.options.idle_notice_s:
            return
        self._device_notice_at = now
        self.output(f"hyperpower: waiting for workers: jobs for {', '.join(missing)} are queued and no live worker "
                    f"serves {'it' if len(missing) == 1 else 'them'}; start `hyperpower worker --store "
                    f"{self.store.uri} --experiment {self.name} --device {missing[0]}` where it is")

    def _check_failures(self, jobs: list[Job]) -> None:
        """Broken jobs that look like a broken experiment stop the run (``loop.failures``)."""
        finished = [j for j in jobs if j.status in (JobStatus.COMPLETE, JobStatus.BROKEN)
                    and j.id not in self._finished_before]
        reason = failure_stop_reason(finished, self.options.max_consecutive_broken, self.options.same_error_limit)
        if reason is not None:
            raise HyperPowerError(
                f"{reason} ({self.name!r}); stopping the run. See {self.paths.output_dir} for the job logs "
                f"and `hyperpower status {self.paths.root}` for the reasons.")

    def _cancel_unclaimed_jobs(self) -> list[int]:
        """At the time limit, queued suggestions no worker took (and jobs local workers gave back)
        are deleted rather than left pending: the experiment is done, and a later run with more
        time suggests afresh from everything finished. Configurations the user queued
        (``hyperpower enqueue``) stay queued for that later run: nothing would suggest them again."""
        return [job.id for job in self.store.list_jobs(self.name, JobStatus.PENDING)
                if job.method != ENQUEUED_METHOD and self.store.cancel_pending_job(self.name, job.id)]

    # -- local workers ---------------------------------------------------------------------
    def _start_local_workers(self) -> None:
        for index in range(self.options.workers):
            worker = Worker(self.store, self.paths, self.config, self.config_path,
                            name=local_worker_name(self.run_token, index),
                            poll_interval_s=self.options.poll_interval_s, stop_event=self.stop_event,
                            heartbeat_timeout_s=self.options.heartbeat_timeout_s, notify=self.output,
                            queued_bell=self.queued_bell, done_bell=self.done_bell)
            thread = threading.Thread(target=self._run_worker, args=(worker,), name=f"worker-{index}", daemon=True)
            thread.start()
            self.workers.append(worker)
            self.threads.append(thread)

    def _run_worker(self, worker: Worker) -> None:
        try:
            worker.run()
        except BaseException as exc:  # noqa: BLE001 - surfaced in the driver thread
            self.worker_errors.append(exc)
            self.done_bell.ring()

    def _raise_worker_error(self) -> None:
        if self.worker_errors:
            raise self.worker_errors[0]

    def _shut_down(self, stopped_by: str) -> None:
        """Mark the experiment finished for the workers; local ones give back unfinished jobs."""
        if stopped_by in ("max-evals", "max-time"):
            self.store.set_meta(self.name, META_FINISHED, True)
        self.stop_event.set()
        self.queued_bell.ring()  # waiting workers see the stop at once
        self.background.close()
        for thread in self.threads:
            thread.join()


def seeded_rng(seed: int | None, finished_jobs: int) -> np.random.Generator:
    """A seeded run stays reproducible across resumes: the stream depends on how far it got."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, finished_jobs])
