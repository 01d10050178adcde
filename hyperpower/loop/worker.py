"""Workers claim pending jobs from the store and execute them, one job process at a time.

The same ``Worker`` runs as a thread of ``hyperpower run`` (local workers) and as the
``hyperpower worker`` process on any machine that reaches the store (distributed workers). A worker
that stops cleanly gives its job back; one that dies stops sending heartbeats and the driver
returns its job to the queue.
"""

from __future__ import annotations

import json
import os
import re
import socket
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Callable

from hyperpower.config import ExperimentConfig, config_from_json
from hyperpower.errors import ConfigError
from hyperpower.experiment import ExperimentPaths, resolve_experiment
from hyperpower.jobs import Job
from hyperpower.loop.doorbell import Doorbell
from hyperpower.loop.executor import JobExecutor
from hyperpower.loop.heartbeat import DEFAULT_HEARTBEAT_TIMEOUT_S, META_HEARTBEAT_TIMEOUT
from hyperpower.loop.trained_models import prune_trained_models
from hyperpower.store.base import ExperimentStore

META_CONFIG = "config"
META_EXPERIMENT_DIR = "experiment_dir"
META_FINISHED = "finished"
META_WORKER_PREFIX = "worker/"
PRESENCE_INTERVAL_S = 2.0


def new_worker_name() -> str:
    """host:pid:random — for people reading ``status``; liveness comes from heartbeats only."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def local_worker_name(run_token: str, index: int) -> str:
    """A worker thread of ``hyperpower run``: its name carries the run's token, so a later driver
    that holds the experiment's driver lock knows the worker died with its run (``driver_lock``)."""
    return f"{socket.gethostname()}:{os.getpid()}:run-{run_token}-{index}"


def local_run_token(worker: str | None) -> str | None:
    """The run token of a local worker's name; None for a distributed ``hyperpower worker``."""
    match = _LOCAL_WORKER.search(worker or "")
    return match.group(1) if match else None


_LOCAL_WORKER = re.compile(r":run-([0-9a-f]+)-\d+$")


class Worker:
    """Claims and runs jobs until the experiment is finished, ``max_jobs`` ran, or it is stopped.

    A local worker of ``hyperpower run`` gets its driver's doorbells (``loop.doorbell``): it waits
    for work on ``queued_bell`` instead of a whole poll interval, and rings ``done_bell`` when a job
    ends so the driver suggests the next one at once.
    """

    def __init__(self, store: ExperimentStore, paths: ExperimentPaths, config: ExperimentConfig,
                 config_path: Path, name: str | None = None, max_jobs: int | None = None,
                 poll_interval_s: float = 0.5, stop_event: threading.Event | None = None,
                 on_finished: Callable[[Job], None] | None = None, exit_when_idle: bool = False,
                 heartbeat_timeout_s: float | None = None, notify: Callable[[str], None] = print,
                 devices: list[str] | None = None, queued_bell: Doorbell | None = None,
                 done_bell: Doorbell | None = None) -> None:
        self.store, self.config = store, config
        self.queued_bell, self.done_bell = queued_bell, done_bell
        self.devices = devices  # the devices it serves (``hyperpower worker --device``); None: any job
        self.name = name or new_worker_name()
        self.max_jobs, self.poll_interval_s = max_jobs, poll_interval_s
        self.stop_event = stop_event or threading.Event()
        self.on_finished = on_finished
        self.exit_when_idle = exit_when_idle
        self._state, self._announced_at = "", 0.0
        if heartbeat_timeout_s is None:  # a distributed worker beats as often as its driver needs
            heartbeat_timeout_s = float(store.get_meta(config.name, META_HEARTBEAT_TIMEOUT,
                                                       DEFAULT_HEARTBEAT_TIMEOUT_S))
        self.executor = JobExecutor(store, paths, config, config_path, self.name,
                                    timeout_s=config.settings.training.job_timeout_s, stop_event=self.stop_event,
                                    heartbeat_timeout_s=heartbeat_timeout_s, notify=notify)

    def run(self) -> int:
        """Returns the number of jobs this worker finished."""
        done = 0
        try:
            while not self.stop_event.is_set() and (self.max_jobs is None or done < self.max_jobs):
                rings = self.queued_bell.rings() if self.queued_bell else 0
                job = self.store.claim_job(self.config.name, self.name, self.devices)
                if job is None:
                    if self.exit_when_idle or self.store.get_meta(self.config.name, META_FINISHED, False):
                        break
                    self._announce("idle")
                    self._wait_for_work(rings)
                    continue
                self._announce("busy", force=True)
                finished = self.executor.run(job)
                if self.done_bell:
                    self.done_bell.ring()
                if finished is not None:
                    done += 1
                    self._prune_trained_models()
                    if self.on_finished:
                        self.on_finished(finished)
        finally:
            self.executor.close()
            self._announce("stopped", force=True)
        return done

    def _wait_for_work(self, rings: int) -> None:
        """One poll interval, or less: until the driver rings (a job was queued) or a stop."""
        if self.queued_bell is None:
            self.stop_event.wait(self.poll_interval_s)
        else:
            self.queued_bell.wait(rings, self.poll_interval_s, self.stop_event)

    def _prune_trained_models(self) -> None:
        """After each finished job: the store now says which job is best (``--keep-models``)."""
        if self.executor.paths.layout == "hyperpower":
            prune_trained_models(self.store, self.executor.paths, self.config)

    def _announce(self, state: str, force: bool = False) -> None:
        """Presence in the store's worker registry, so a queue-only driver queues one job per idle
        worker; written at most every PRESENCE_INTERVAL_S unless the state changes."""
        now = time.time()
        if not force and state == self._state and now - self._announced_at < PRESENCE_INTERVAL_S:
            return
        self._state, self._announced_at = state, now
        entry = {"state": state, "seen": now, **({"devices": list(self.devices)} if self.devices is not None else {})}
        self.store.set_meta(self.config.name, META_WORKER_PREFIX + self.name, entry)


def live_worker_count(store: ExperimentStore, experiment: str, timeout_s: float) -> int:
    """Workers of the experiment that announced themselves within ``timeout_s`` and did not stop."""
    now = time.time()
    registry = store.list_meta(experiment, META_WORKER_PREFIX)
    return sum(1 for entry in registry.values()
               if entry.get("state") != "stopped" and now - float(entry.get("seen", 0)) <= timeout_s)


def wait_for_driver(uri: str, experiment: str, wait_s: float, stop_event: threading.Event,
                    output: Callable[[str], None], poll_interval_s: float = 1.0) -> ExperimentStore | None:
    """The store, open, once a driver has published ``experiment`` in it; None if stopped meanwhile.

    Workers may start before their driver (a SLURM array and the driver submitted together), so a
    store without the experiment, or a SQLite file not created yet, is waited for up to
    ``wait_s`` (one line says so). The SQLite file is never created here: a mistyped ``--store``
    leaves nothing behind. After ``wait_s``: ConfigError naming the store and the experiment.
    """
    from hyperpower.store import open_store
    from hyperpower.store.sqlite import StoreFileMissing

    deadline, store, announced = time.monotonic() + wait_s, None, False
    try:
        while True:
            if store is None:
                try:
                    store = open_store(uri, create=False)
                except StoreFileMissing:
                    pass
            if store is not None and store.get_meta(experiment, META_CONFIG) is not None:
                opened, store = store, None
                return opened
            if time.monotonic() >= deadline:
                raise ConfigError(
                    f"experiment {experiment!r} has no driver in store {uri} (waited {wait_s:g} s, "
                    f"--wait): start `hyperpower run EXP --queue-only --store {uri}` first, check "
                    f"--store and --experiment, or give a longer --wait")
            if not announced:
                announced = True
                output(f"hyperpower worker: waiting up to {wait_s:g} s for a driver of {experiment!r} "
                       f"in {uri} (`hyperpower run EXP --queue-only --store {uri}`)")
            if stop_event.wait(poll_interval_s):
                return None
    finally:
        if store is not None:
            store.close()


def worker_context(store: ExperimentStore, experiment: str,
                   experiment_dir: str | None = None) -> tuple[ExperimentPaths, ExperimentConfig, Path]:
    """What a distributed worker needs, taken from the driver's snapshot in the store.

    The config comes from the store (so every worker runs what the driver suggests); the folder
    (template or Spearmint main-file) must exist on this machine, at the driver's path or the one
    given with ``--experiment-dir``.
    """
    data = store.get_meta(experiment, META_CONFIG)
    if data is None:
        raise ConfigError(
            f"experiment {experiment!r} has no driver in store {store.uri}: start "
            f"`hyperpower run EXP --queue-only --store {store.uri}` first")
    folder = experiment_dir or store.get_meta(experiment, META_EXPERIMENT_DIR)
    paths = resolve_experiment(folder)
    config = config_from_json(data, f"store {store.uri} ({experiment})")
    handle, name = tempfile.mkstemp(prefix=f"hyperpower-{experiment}-", suffix=".json")
    with os.fdopen(handle, "w") as file:
        json.dump(data, file)
    return paths, config, Path(name)
