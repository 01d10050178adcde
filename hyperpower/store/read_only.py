"""A store that can only be read: the interface of ``ExperimentStore`` with every write refused.

Views over a store (``hyperpower dashboard``) must never change it, even by a slip of a later
change. The backends are opened read-only where they can be (SQLite's ``mode=ro``: the file itself
refuses writes; MongoDB: no index is created on first use), and this wrapper refuses every writing
method of the interface with one ``StoreError`` naming it, before the backend is reached.
"""

from __future__ import annotations

from typing import Any, NoReturn, Sequence

from hyperpower.errors import StoreError
from hyperpower.jobs import Job, JobStatus
from hyperpower.store.base import ExperimentStore
from hyperpower.store.uri import mask_uri


class ReadOnlyStore(ExperimentStore):
    """Reads go to ``backend``; writes raise ``StoreError``."""

    def __init__(self, backend: ExperimentStore) -> None:
        self.backend = backend
        self.uri = backend.uri

    def _refuse(self, operation: str) -> NoReturn:
        raise StoreError(f"store {mask_uri(self.uri)} is open read-only: {operation} would change it")

    # -- reads -------------------------------------------------------------------------------
    def get_job(self, experiment: str, job_id: int) -> Job | None:
        return self.backend.get_job(experiment, job_id)

    def list_jobs(self, experiment: str, status: JobStatus | None = None) -> list[Job]:
        return self.backend.list_jobs(experiment, status)

    def list_experiments(self) -> list[str]:
        return self.backend.list_experiments()

    def get_meta(self, experiment: str, key: str, default: Any = None) -> Any:
        return self.backend.get_meta(experiment, key, default)

    def list_meta(self, experiment: str, prefix: str = "") -> dict[str, Any]:
        return self.backend.list_meta(experiment, prefix)

    def list_profile_samples(self, experiment: str) -> list[dict[str, Any]]:
        return self.backend.list_profile_samples(experiment)

    def load_models(self, experiment: str) -> dict[str, dict[str, Any]]:
        return self.backend.load_models(experiment)

    def close(self) -> None:
        self.backend.close()

    # -- writes: refused ------------------------------------------------------------------------
    def add_job(self, experiment: str, job: Job) -> Job:
        self._refuse("add_job")

    def claim_job(self, experiment: str, worker: str, devices: Sequence[str] | None = None) -> Job | None:
        self._refuse("claim_job")

    def heartbeat(self, experiment: str, job_id: int, worker: str) -> bool:
        self._refuse("heartbeat")

    def finish_job(self, experiment: str, job_id: int, worker: str | None, status: JobStatus,
                   **results: Any) -> Job:
        self._refuse("finish_job")

    def release_job(self, experiment: str, job_id: int, worker: str) -> bool:
        self._refuse("release_job")

    def cancel_pending_job(self, experiment: str, job_id: int) -> bool:
        self._refuse("cancel_pending_job")

    def requeue_stale(self, experiment: str, timeout_s: float, max_attempts: int) -> list[int]:
        self._refuse("requeue_stale")

    def delete_experiment(self, experiment: str) -> None:
        self._refuse("delete_experiment")

    def set_meta(self, experiment: str, key: str, value: Any) -> None:
        self._refuse("set_meta")

    def add_profile_samples(self, experiment: str, samples: list[dict[str, Any]]) -> None:
        self._refuse("add_profile_samples")

    def save_model(self, experiment: str, metric: str, model: dict[str, Any]) -> None:
        self._refuse("save_model")
