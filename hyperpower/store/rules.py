"""The decisions of the store contract (base.py) that both backends must make the same way.

Keeping them here means SQLite and MongoDB refuse the same things with the same words, and the
contract test suite checks one behaviour rather than two.
"""

from __future__ import annotations

from hyperpower.errors import StoreError
from hyperpower.jobs import JobStatus

MAX_EXPERIMENT_NAME_LENGTH = 100


def check_experiment_name(experiment: str) -> None:
    """Refuse names no backend can hold: empty, with NUL or ``$`` (MongoDB collection names)."""
    if not isinstance(experiment, str) or not experiment:
        raise StoreError(
            f"experiment name {experiment!r} is empty; give the experiment folder a name"
        )
    if "\0" in experiment or "$" in experiment or experiment.startswith("system."):
        raise StoreError(
            f"experiment name {experiment!r} cannot be stored: it may not contain '$' or a NUL "
            f"character, nor start with 'system.' (rename the experiment folder)"
        )
    if len(experiment.encode("utf-8")) > MAX_EXPERIMENT_NAME_LENGTH:
        raise StoreError(
            f"experiment name {experiment[:40]!r}... is longer than {MAX_EXPERIMENT_NAME_LENGTH} "
            f"bytes; MongoDB collection names must stay short (rename the experiment folder)"
        )


def check_finish_status(status: JobStatus) -> JobStatus:
    """``finish_job`` takes only a finished status; anything else is a programming error."""
    status = JobStatus(status)
    if not status.finished:
        raise ValueError(
            f"finish_job needs a finished status (complete/broken/skipped), not {status.value}"
        )
    return status


def check_requeue_arguments(timeout_s: float, max_attempts: int) -> None:
    if timeout_s < 0:
        raise ValueError(f"requeue_stale: timeout_s must be >= 0, not {timeout_s}")
    if max_attempts < 1:
        raise ValueError(f"requeue_stale: max_attempts must be >= 1, not {max_attempts}")


def finish_refusal(
    uri: str,
    experiment: str,
    job_id: int,
    status: JobStatus | None,
    holder: str | None,
    worker: str | None,
) -> StoreError | None:
    """Why ``worker`` may not finish the job (None: it may).

    ``status``/``holder`` are the job's current status and worker (``status`` None: no such job).
    A worker finishes only a RUNNING job it holds. ``worker=None`` is the driver's authority: it
    finishes any unfinished job, PENDING included (e.g. a queued job the driver cancels).
    """
    where = f"job {job_id} of experiment {experiment!r} in {uri}"
    if status is None:
        return StoreError(f"{where} does not exist")
    if status.finished:
        return StoreError(
            f"{where} is already {status.value}; a finished job is read-only, so its result is "
            f"never overwritten"
        )
    if worker is None:
        return None
    if status is not JobStatus.RUNNING or holder != worker:
        held = f"held by worker {holder!r}" if status is JobStatus.RUNNING else "back in the queue"
        return StoreError(
            f"{where} is {held}, not by worker {worker!r}: its heartbeat was probably lost and "
            f"the job was requeued, so this result is discarded"
        )
    return None


def heartbeat_lost_message(attempts: int) -> str:
    """The error recorded on a job that ``requeue_stale`` gives up on."""
    return f"worker heartbeat lost after {attempts} attempts"
