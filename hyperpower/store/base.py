"""The experiment store interface. Every backend obeys these rules (tests/store/test_contract.py):

1. Job ids are integers, sequential per experiment, starting at 1, never reused.
2. ``claim_job`` is atomic across processes (and, for MongoDB, machines): a pending job is handed
   to exactly one caller, who sees it RUNNING with ``worker``, ``start_time``, ``heartbeat_time``
   set and ``attempts`` incremented.
3. A finished job (COMPLETE, BROKEN, SKIPPED) is read-only: ``finish_job`` on it raises
   ``StoreError``, so a result is never overwritten and a finished job never runs again.
4. ``finish_job`` and ``heartbeat`` only act for the worker that holds the job; a job taken back
   by ``requeue_stale`` cannot be finished by its old worker.
5. ``requeue_stale`` returns RUNNING jobs whose heartbeat is older than ``timeout_s`` to PENDING,
   or marks them BROKEN once they reached ``max_attempts``.
6. Experiments are independent: nothing done to one is visible in another.

Store-level state besides jobs: free-form experiment metadata (``set_meta``/``get_meta``, JSON
values), profiling samples (``profiles``) and fitted hardware models (``models``).
"""

from __future__ import annotations

import abc
from typing import Any

from hyperpower.jobs import Job, JobStatus


class ExperimentStore(abc.ABC):
    """Where jobs, profiling samples and models of experiments live."""

    uri: str

    # -- jobs -------------------------------------------------------------------------------
    @abc.abstractmethod
    def add_job(self, experiment: str, job: Job) -> Job:
        """Insert ``job`` (its ``id`` is ignored) and return it with its new id and submit_time.

        The job's status is kept (PENDING normally, SKIPPED for a recorded a-priori rejection).
        """

    @abc.abstractmethod
    def claim_job(self, experiment: str, worker: str) -> Job | None:
        """Atomically move the lowest-id PENDING job to RUNNING for ``worker``; None if none."""

    @abc.abstractmethod
    def heartbeat(self, experiment: str, job_id: int, worker: str) -> bool:
        """Refresh the job's heartbeat; False if ``worker`` no longer holds it."""

    @abc.abstractmethod
    def finish_job(
        self,
        experiment: str,
        job_id: int,
        worker: str | None,
        status: JobStatus,
        *,
        values: dict[str, float] | None = None,
        feasible: bool | None = None,
        early_terminated: bool = False,
        error: str | None = None,
        log_path: str | None = None,
    ) -> Job:
        """Record the result of a RUNNING job held by ``worker`` (None: any holder).

        Raises StoreError if the job is finished already or is held by another worker.
        """

    @abc.abstractmethod
    def release_job(self, experiment: str, job_id: int, worker: str) -> bool:
        """Give a RUNNING job back to the queue (a worker stopping cleanly). False if not held."""

    @abc.abstractmethod
    def requeue_stale(self, experiment: str, timeout_s: float, max_attempts: int) -> list[int]:
        """Return stale RUNNING jobs to PENDING (or BROKEN after ``max_attempts``); their ids."""

    @abc.abstractmethod
    def get_job(self, experiment: str, job_id: int) -> Job | None:
        """One job, or None."""

    @abc.abstractmethod
    def list_jobs(self, experiment: str, status: JobStatus | None = None) -> list[Job]:
        """Jobs of an experiment in id order, optionally of one status."""

    @abc.abstractmethod
    def delete_experiment(self, experiment: str) -> None:
        """Drop every job, metadata entry, profile sample and model of the experiment."""

    @abc.abstractmethod
    def list_experiments(self) -> list[str]:
        """Names of the experiments that have anything in this store."""

    # -- metadata ---------------------------------------------------------------------------
    @abc.abstractmethod
    def set_meta(self, experiment: str, key: str, value: Any) -> None:
        """Store a JSON-serialisable value (e.g. ``finished``, ``optimizer_state``)."""

    @abc.abstractmethod
    def get_meta(self, experiment: str, key: str, default: Any = None) -> Any:
        """Read a value stored with ``set_meta``."""

    # -- profiling samples and models ---------------------------------------------------------
    @abc.abstractmethod
    def add_profile_samples(self, experiment: str, samples: list[dict[str, Any]]) -> None:
        """Append profiling samples: {"params": {...}, "features": {...}, "values": {...}, ...}."""

    @abc.abstractmethod
    def list_profile_samples(self, experiment: str) -> list[dict[str, Any]]:
        """All profiling samples in insertion order."""

    @abc.abstractmethod
    def save_model(self, experiment: str, metric: str, model: dict[str, Any]) -> None:
        """Store (replace) the fitted model of one metric (design §7 format)."""

    @abc.abstractmethod
    def load_models(self, experiment: str) -> dict[str, dict[str, Any]]:
        """metric -> model document."""

    def close(self) -> None:
        """Release connections; the default has nothing to release."""

    def __enter__(self) -> "ExperimentStore":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
