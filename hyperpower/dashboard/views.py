"""What the page polls: one experiment's overview, job table and figures, tagged with a revision
that changes exactly when the store's jobs or the settings do.

The page asks every two seconds with the revision it holds; an unchanged experiment answers in a
few bytes, and the figures (the costly part) are built once per revision whatever the number of
open pages. The overview's clock fields (elapsed, remaining) are recomputed on every answer.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from typing import Any

from hyperpower.dashboard.figures import all_figures
from hyperpower.dashboard.job_table import job_table
from hyperpower.dashboard.overview import overview, progress
from hyperpower.dashboard.source import ExperimentSnapshot


def revision(snapshot: ExperimentSnapshot) -> str:
    """A short digest of what the views depend on: each job's id, status and times, the driver's
    finished flag, the settings and the models (values change only when a job's status does)."""
    from hyperpower.config import config_to_json

    parts = [[job.id, job.status.value, job.start_time, job.end_time, job.worker, job.attempts] for job in snapshot.jobs]
    settings = config_to_json(snapshot.config) if snapshot.config is not None else None
    models = {metric: [model.coef, model.intercept, model.extra] for metric, model in snapshot.models.items()}
    text = json.dumps([parts, snapshot.finished, settings, models, snapshot.note,
                       str(snapshot.paths.root) if snapshot.paths else None], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class StateCache:
    """The last state built per experiment, reused while its revision stands."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: dict[str, tuple[str, dict[str, Any]]] = {}

    def state(self, snapshot: ExperimentSnapshot, known: str | None = None) -> dict[str, Any]:
        """``{"revision", "unchanged": True, "overview"}`` when ``known`` is current, else the full
        state: ``{"revision", "overview", "jobs", "figures", "read_at"}``."""
        current = revision(snapshot)
        if known == current:
            return {"revision": current, "unchanged": True, "clock": clock(snapshot)}
        with self._lock:
            cached = self._built.get(snapshot.name)
        if cached is None or cached[0] != current:
            cached = (current, build_state(snapshot, current))
            with self._lock:
                self._built[snapshot.name] = cached
        return {**cached[1], "clock": clock(snapshot)}


def build_state(snapshot: ExperimentSnapshot, tag: str) -> dict[str, Any]:
    """The whole state of one experiment for the page."""
    table = job_table(snapshot.jobs, snapshot.config) if snapshot.config is not None else None
    return {"revision": tag, "experiment": snapshot.name, "overview": overview(snapshot), "jobs": table,
            "figures": all_figures(snapshot), "job_count": len(snapshot.jobs)}


def clock(snapshot: ExperimentSnapshot) -> dict[str, Any]:
    """The fields that move with time alone: when the store was read, elapsed and remaining."""
    return {"read_at": snapshot.read_at, "progress": progress(snapshot)}


def to_json(value: Any) -> bytes:
    """Strict JSON (NaN and infinities as null, numpy arrays and scalars as lists and numbers),
    which every browser's ``JSON.parse`` accepts."""
    return json.dumps(plain(value), allow_nan=False, separators=(",", ":")).encode("utf-8")


def plain(value: Any) -> Any:
    """``value`` with only JSON's types: dicts, lists, str, finite numbers, booleans and None."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (str, bool)) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    tolist = getattr(value, "tolist", None)  # numpy arrays and scalars
    if callable(tolist):
        return plain(tolist())
    return str(value)
