"""The experiment store interface. Every backend obeys these rules (tests/store/test_contract.py):

1. Job ids are integers, sequential per experiment, starting at 1, never reused (until
   ``delete_experiment``, after which the experiment starts afresh at 1).
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
7. Every field of a ``Job`` reads back as written: ints stay ints, floats are exact, NaN and
   ±inf in ``values``/``predicted`` come back as floats; numpy scalars/arrays are stored as
   Python numbers/lists (tuples as lists).

A store object may be shared by the threads of one process (a heartbeat thread); each process
opens its own. Implementations: ``sqlite.SQLiteStore``, ``mongo.MongoStore``; ``open_store`` in
this package picks one from a URI.

Store-level state besides jobs: free-form experiment metadata (``set_meta``/``get_meta``, JSON
values), profiling samples (``profiles``) and fitted hardware models (``models``).
"""

from __future__ import annotations

import abc
from typing import Any, Sequence

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
    def claim_job(self, experiment: str, worker: str, devices: Sequence[str] | None = None) -> Job | None:
        """Atomically move the lowest-id PENDING job to RUNNING for ``worker``; None if none.

        ``devices``: the devices the worker serves; it then claims only jobs whose ``device`` is one
        of them or unset (a job waits for a worker that has its device). None: any job."""

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
        trained_epochs: int | None = None,
    ) -> Job:
        """Record the result of a RUNNING job held by ``worker`` and set its ``end_time``.

        ``worker=None`` is the driver's authority: it finishes any unfinished job, RUNNING or
        PENDING (e.g. cancelling a queued job). ``values``/``log_path`` left None keep what the
        job has; ``feasible``, ``early_terminated`` and ``error`` are set as given; ``trained_epochs``
        (multi-fidelity: the epochs the job trained itself) left None keeps what the job has.
        Raises StoreError if the job does not exist, is finished already, or is not held by
        ``worker``; ValueError if ``status`` is not a finished status (a programming error).
        """

    @abc.abstractmethod
    def release_job(self, experiment: str, job_id: int, worker: str) -> bool:
        """Give a RUNNING job back to the queue (a worker stopping cleanly). False if not held.

        Clears ``worker``, ``start_time`` and ``heartbeat_time``; ``attempts`` is kept.
        """

    @abc.abstractmethod
    def cancel_pending_job(self, experiment: str, job_id: int) -> bool:
        """Delete a PENDING job no worker claimed (a driver's unused queue at the end of a run).

        False, and nothing changes, when the job is not PENDING (a worker claimed it meanwhile) or
        does not exist. Its id is not handed out again (rule 1).
        """

    @abc.abstractmethod
    def requeue_stale(self, experiment: str, timeout_s: float, max_attempts: int) -> list[int]:
        """Return stale RUNNING jobs to PENDING (or BROKEN after ``max_attempts``); their ids.

        Stale: ``heartbeat_time`` older than ``timeout_s`` before now (or missing). A job whose
        ``attempts`` reached ``max_attempts`` becomes BROKEN with the error "worker heartbeat
        lost after N attempts"; the others go back to PENDING as ``release_job`` leaves them.
        """

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

    @abc.abstractmethod
    def list_meta(self, experiment: str, prefix: str = "") -> dict[str, Any]:
        """Every metadata entry whose key starts with ``prefix`` (e.g. the ``worker/`` registry)."""

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
