"""The decisions of the store contract (base.py) that both backends must make the same way.

Keeping them here means SQLite and MongoDB refuse the same things with the same words, and the
contract test suite checks one behaviour rather than two.
"""

from __future__ import annotations

from hyperpower.errors import StoreError
from hyperpower.jobs import JobStatus

#: NAME's bytes in UTF-8. MongoDB limits a namespace ``database.collection`` to 120 bytes before
#: server 4.4 and to 235 (sharded) / 255 bytes since; a database name has under 64 bytes. With 100,
#: ``hyperpower.NAME.profiles`` (the longest collection, default database) fits even the old
#: 120-byte limit, and any database name fits the 4.4+ limits.
MAX_EXPERIMENT_NAME_LENGTH = 100


def check_experiment_name(experiment: str) -> None:
    """Refuse, with one message for every backend and every store call, a name that MongoDB
    cannot hold as the collections ``NAME.jobs``/``NAME.meta``/...: empty, not UTF-8 text, with
    ``$`` or a NUL character, ``system`` or starting with ``system.`` (reserved), starting or
    ending with ``.`` or containing ``..`` (an empty part of a collection name), or longer than
    ``MAX_EXPERIMENT_NAME_LENGTH`` bytes. SQLite could hold them all; it refuses them too, so
    an experiment can move between backends (``--store``) and names mean the same in both."""
    reason = _unstorable_reason(experiment)
    if reason:
        shown = f"{experiment[:40]!r}..." if isinstance(experiment, str) and len(experiment) > 40 else repr(experiment)
        raise StoreError(
            f"experiment name {shown} cannot be stored: {reason}. Experiment names must be non-empty "
            f"UTF-8 text of at most {MAX_EXPERIMENT_NAME_LENGTH} bytes, without '$', NUL or '..', neither "
            f"starting nor ending with '.', and neither 'system' nor starting with 'system.' (MongoDB "
            f"collection names; SQLite keeps the same rule); rename the experiment folder or set the "
            f"config's experiment-name"
        )


def _unstorable_reason(experiment: object) -> str:
    """Why ``experiment`` cannot name MongoDB collections ('' when it can)."""
    if not isinstance(experiment, str) or not experiment:
        return "it is empty"
    try:
        size = len(experiment.encode("utf-8"))
    except UnicodeEncodeError:
        return "it is not valid UTF-8 text"
    for part, why in (("\0", "it contains a NUL character"), ("$", "it contains '$'"), ("..", "it contains '..'")):
        if part in experiment:
            return why
    if experiment.startswith(".") or experiment.endswith("."):
        return "it starts or ends with '.'"
    if f"{experiment}.jobs".startswith("system."):
        return "its collections would start with 'system.' (reserved by MongoDB)"
    if size > MAX_EXPERIMENT_NAME_LENGTH:
        return f"it is {size} bytes long"
    return ""


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
