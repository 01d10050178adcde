"""The job record: the one message passed between optimizer, store, loop and reports.

The optimizer never sees Keras or files; it reads finished ``Job`` records and proposes new
``raw_params``. The loop turns a pending job into a trained network and writes ``values`` back.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from datetime import datetime, timezone
from typing import Any

#: the line the run loop puts between a broken job's traceback and the tail of its log
LOG_TAIL_MARKER = "--- log tail ---"
#: the ``method`` of a job the user queued (``hyperpower enqueue``) rather than the optimizer suggested
ENQUEUED_METHOD = "enqueued"


class JobStatus(str, enum.Enum):
    """Life cycle: PENDING -> RUNNING -> COMPLETE | BROKEN.  SKIPPED jobs are never run.

    SKIPPED records a suggestion the optimizer rejected a priori (for example a random point
    predicted to break a budget) when the method wants that decision kept for reporting.
    """

    PENDING = "pending"
    RUNNING = "running"
    COMPLETE = "complete"
    BROKEN = "broken"
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        return self in (JobStatus.COMPLETE, JobStatus.BROKEN, JobStatus.SKIPPED)


@dataclasses.dataclass
class Job:
    """One configuration to evaluate and, once finished, its results.

    raw_params: the optimizer's values, before template transforms (Spearmint's ``params``),
        name -> scalar, or list of scalars for a Spearmint variable of ``size`` > 1.
    params: the values written into the network (after transforms), same keys.
    values: measured metrics, e.g. {"error": 0.08, "memory": 131.2, "latency": 2.1}.
        Spearmint CONSTRAINT tasks are stored under their task name.
    predicted: a-priori model predictions, e.g. {"memory": 128.0}.
    feasible: True/False once measured against the budgets; None when unknown (not finished,
        broken, or no budget).
    rung, epochs, trained_epochs, parent: multi-fidelity (``--scheduler``; all None without one):
        the rung index (0 = fewest epochs), the total epochs the network has trained once this
        job is done, the epochs this job trained itself (fewer when it continued its parent's
        checkpoint), and the job it continues (None for a new configuration).
    """

    id: int
    experiment: str
    status: JobStatus = JobStatus.PENDING
    method: str = ""
    raw_params: dict[str, Any] = dataclasses.field(default_factory=dict)
    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    values: dict[str, float] = dataclasses.field(default_factory=dict)
    predicted: dict[str, float] = dataclasses.field(default_factory=dict)
    feasible: bool | None = None
    early_terminated: bool = False
    submit_time: float | None = None
    start_time: float | None = None
    end_time: float | None = None
    worker: str | None = None
    heartbeat_time: float | None = None
    attempts: int = 0
    error: str | None = None
    log_path: str | None = None
    rung: int | None = None
    epochs: int | None = None
    trained_epochs: int | None = None
    parent: int | None = None
    device: str | None = None  # the device the job runs on (``hyperpower.devices``); None: any worker's

    @property
    def duration_s(self) -> float | None:
        if self.start_time is None or self.end_time is None:
            return None
        return self.end_time - self.start_time

    @property
    def reason(self) -> str | None:
        """Why a BROKEN job broke, in one line; None for any other status. The full ``error``
        text (traceback and log tail) stays in the store."""
        if self.status is not JobStatus.BROKEN:
            return None
        return error_reason(self.error)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form used by the stores (status as its string value)."""
        data = dataclasses.asdict(self)
        data["status"] = self.status.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Job":
        known = {f.name for f in dataclasses.fields(cls)}
        fields = {k: v for k, v in data.items() if k in known}
        fields["status"] = JobStatus(fields.get("status", "pending"))
        return cls(**fields)

    def export_dict(self, trained_model: str | None = None) -> dict[str, Any]:
        """The public export form of design §8 (times as ISO-8601 UTC strings).

        test_error: the error on the test split (``values["test_error"]``; ``values["error"]``
        is the objective, on the validation split by default). trained_model: the job's saved
        model file, which only the caller can look up (None when there is none)."""
        return {
            "id": self.id,
            "status": self.status.value,
            "method": self.method,
            "device": self.device,
            "params": dict(self.params),
            "values": {k: _json_float(v) for k, v in self.values.items()},
            "predicted": {k: _json_float(v) for k, v in self.predicted.items()},
            "feasible": self.feasible,
            "early_terminated": self.early_terminated,
            "submit_time": iso_time(self.submit_time),
            "start_time": iso_time(self.start_time),
            "end_time": iso_time(self.end_time),
            "duration_s": self.duration_s,
            "test_error": _json_float(self.values.get("test_error")),
            "trained_model": trained_model,
            "reason": self.reason,
            "rung": self.rung,
            "epochs": self.epochs,
            "trained_epochs": self.trained_epochs,
            "parent": self.parent,
        }


def error_reason(error: str | None) -> str:
    """The line that says why a job broke, from the error text the loop recorded.

    The loop records a traceback, then possibly ``--- log tail ---`` and the job's log; the useful
    line is the exception at the end of the traceback (``RuntimeError: ...``), never its first
    line ``Traceback (most recent call last):``. A plain message (timeout, killed process) gives
    its first line.
    """
    text = (error or "").split(LOG_TAIL_MARKER, 1)[0]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    if lines[0].startswith("Traceback"):
        return lines[-1]
    return lines[0]


def iso_time(timestamp: float | None) -> str | None:
    """Seconds since the epoch -> ISO-8601 UTC, None stays None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def _json_float(value: Any) -> Any:
    """NaN/inf are not JSON; export them as None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
