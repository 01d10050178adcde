"""Turning jobs and free-form values into what a backend can store, and back, losslessly.

Two things would otherwise break a round trip:

* numpy scalars and arrays (Spearmint hands ``params`` over as arrays; the optimizer computes in
  numpy) are neither JSON nor BSON: ``to_plain`` turns them into Python numbers and lists.
* NaN and ±inf are not standard JSON, yet a broken measurement is NaN. In the metric dicts of a
  job (``values``, ``predicted``: name -> float) the SQLite store writes NaN as ``null`` and ±inf
  as the strings ``"Infinity"``/``"-Infinity"``, all of which ``decode_metrics`` reads back as
  floats. MongoDB stores them as BSON doubles natively; ``decode_metrics`` is still applied so a
  ``null`` written by hand reads as NaN in both backends.
  Free-form JSON (params, metadata, profiles, models) has no type to decode against, so there
  ``dumps_json`` keeps Python's ``NaN``/``Infinity`` tokens, which ``loads_json`` and SQLite's own
  JSON functions (JSON5, SQLite >= 3.42) both read.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hyperpower.jobs import Job

# Job fields that hold JSON objects; the rest are scalars.
JSON_FIELDS = ("raw_params", "params", "values", "predicted")
METRIC_FIELDS = ("values", "predicted")

_INFINITY_TEXT = {math.inf: "Infinity", -math.inf: "-Infinity"}


def to_plain(value: Any) -> Any:
    """Recursively replace numpy scalars/arrays and tuples by Python numbers and lists."""
    if isinstance(value, dict):
        return {str(key): to_plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(item) for item in value]
    if isinstance(value, bool) or isinstance(value, str) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):  # numpy.float64 is a float subclass: store the plain float
        return float(value)
    if hasattr(value, "tolist"):  # numpy.ndarray and numpy scalars, without importing numpy
        return to_plain(value.tolist())
    raise TypeError(f"cannot store a value of type {type(value).__name__}: {value!r}")


def encode_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    """name -> float, with NaN as None and ±inf as text (standard JSON)."""
    encoded: dict[str, Any] = {}
    for name, value in to_plain(metrics).items():
        if isinstance(value, float) and math.isnan(value):
            encoded[name] = None
        elif isinstance(value, float) and math.isinf(value):
            encoded[name] = _INFINITY_TEXT[value]
        else:
            encoded[name] = value
    return encoded


def decode_metrics(metrics: dict[str, Any] | None) -> dict[str, Any]:
    """Inverse of ``encode_metrics``: None -> NaN, "Infinity"/"-Infinity" -> ±inf."""
    decoded: dict[str, Any] = {}
    for name, value in (metrics or {}).items():
        if value is None:
            decoded[name] = math.nan
        elif value in ("Infinity", "-Infinity"):
            decoded[name] = float(value)
        else:
            decoded[name] = value
    return decoded


def dumps_json(value: Any) -> str:
    """Compact JSON text of a free-form value; NaN/inf kept as JSON5 tokens (see module doc)."""
    return json.dumps(to_plain(value), separators=(",", ":"), allow_nan=True)


def loads_json(text: str | None, default: Any = None) -> Any:
    return default if text is None else json.loads(text)


def job_record(job: Job, *, encode_non_finite: bool = True) -> dict[str, Any]:
    """A job as a plain dict for a backend: ``to_dict`` with numpy removed.

    ``encode_non_finite``: write NaN/inf in the metric dicts as standard JSON (SQLite); MongoDB
    passes False and keeps BSON doubles. ``id`` and ``experiment`` are left in; each backend
    decides where they go.
    """
    record = job.to_dict()
    for field in ("raw_params", "params"):
        record[field] = to_plain(record[field])
    for field in METRIC_FIELDS:
        metrics = record[field]
        record[field] = encode_metrics(metrics) if encode_non_finite else to_plain(metrics)
    return record


def job_from_record(record: dict[str, Any]) -> Job:
    """Inverse of ``job_record``: the stored dict (with ``id`` and ``experiment``) as a Job."""
    fields = dict(record)
    for field in METRIC_FIELDS:
        fields[field] = decode_metrics(fields.get(field))
    for field in ("raw_params", "params"):
        fields[field] = fields.get(field) or {}
    fields["early_terminated"] = bool(fields.get("early_terminated", False))
    if fields.get("feasible") is not None:
        fields["feasible"] = bool(fields["feasible"])
    return Job.from_dict(fields)
