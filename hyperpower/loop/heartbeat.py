"""A job's heartbeat, sent from a background thread for the job's whole stay in a worker.

The driver returns a RUNNING job to the queue when its heartbeat is older than
``--heartbeat-timeout``. A job is more than its training process: the fork server may take tens
of seconds to import Keras before the job starts, and the measurement after training may take
up to ten minutes on a GPU. Beating from a thread covers all of it, whatever the worker's main
thread is blocked on. When the store says the worker no longer holds the job (it was requeued
and perhaps claimed by another worker), ``lost`` is set so the worker stops and drops its result.
"""

from __future__ import annotations

import threading

from hyperpower.errors import HyperPowerError
from hyperpower.store.base import ExperimentStore

MAX_HEARTBEAT_INTERVAL_S = 5.0
DEFAULT_HEARTBEAT_TIMEOUT_S = 60.0
#: metadata key where the driver publishes its --heartbeat-timeout for distributed workers
META_HEARTBEAT_TIMEOUT = "heartbeat_timeout_s"


def heartbeat_interval(timeout_s: float) -> float:
    """Several beats per timeout, so one slow store write does not make a live job look dead."""
    return max(min(MAX_HEARTBEAT_INTERVAL_S, timeout_s / 4.0), 0.05)


class JobHeartbeat:
    """``with JobHeartbeat(store, experiment, job_id, worker, interval_s) as beat:`` beats until exit."""

    def __init__(self, store: ExperimentStore, experiment: str, job_id: int, worker: str,
                 interval_s: float) -> None:
        self.store, self.experiment, self.job_id, self.worker = store, experiment, job_id, worker
        self.interval_s = interval_s
        self.lost = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-job-{job_id}", daemon=True)

    def __enter__(self) -> "JobHeartbeat":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.wait(self.interval_s):
            try:
                held = self.store.heartbeat(self.experiment, self.job_id, self.worker)
            except HyperPowerError:
                continue  # a store that is briefly unreachable: the next beat tries again
            if not held:
                self.lost.set()
                return
