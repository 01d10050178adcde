"""``hyperpower export``: jobs as JSON (design §8) or as a flat CSV table.

JSON is a list of ``Job.export_dict()``; its ``values`` and ``predicted`` are in the metrics'
canonical units (W, MB, ms, mJ; error a fraction), as the README says. CSV has one row per job
and the same fields, with the nested ``params``, ``values`` and ``predicted`` objects flattened
into ``params.NAME``, ``values.METRIC_UNIT`` and ``predicted.METRIC_UNIT`` columns
(``values.memory_MB``, ``values.error``; empty cells where a job has no such entry), so a
spreadsheet shows each column's unit in its header.
``trained_models`` (job id -> model file) fills the ``trained_model`` field; jobs without one
(pruned by ``--keep-models``, or never saved) export None. ``pareto_ranks`` (job id -> rank)
adds ``pareto_rank`` (``hyperpower.report.pareto``: 0 on the feasible front; None for infeasible,
invalid, broken, skipped and unfinished jobs, which are not ranked). ``device``: the device the job ran on
when the device is a search variable (``--devices``), else None.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Mapping

from hyperpower.jobs import Job
from hyperpower.units import name_with_unit

EXPORT_FORMATS = ("json", "csv")
NESTED_FIELDS = ("params", "values", "predicted")
_FIXED_BEFORE = ("id", "status", "method")
_FIXED_AFTER = ("feasible", "early_terminated", "submit_time", "start_time", "end_time", "duration_s",
                "test_error", "trained_model", "reason", "rung", "epochs", "trained_epochs", "parent", "device")


def export_records(jobs: Iterable[Job], trained_models: Mapping[int, str] | None = None,
                   pareto_ranks: Mapping[int, int | None] | None = None,
                   verdicts: Mapping[int, bool | None] | None = None) -> list[dict[str, Any]]:
    """``Job.export_dict()`` of each job, with its trained model file when ``trained_models`` has
    one; ``feasible`` the verdict ``status`` shows when ``verdicts`` gives it
    (``feasibility.reported_feasibility``); and, given ``pareto_ranks``
    (``report.pareto.pareto_ranks_by_id``), its ``pareto_rank`` after ``feasible``: 0 on the
    feasible front, null for a job that is not ranked."""
    trained_models = trained_models or {}
    records = [job.export_dict(trained_model=trained_models.get(job.id)) for job in jobs]
    for record in records:
        if verdicts is not None:
            record["feasible"] = verdicts.get(record["id"])
    if pareto_ranks is None:
        return records
    return [_with_rank(record, pareto_ranks.get(record["id"])) for record in records]


def _with_rank(record: dict[str, Any], rank: int | None) -> dict[str, Any]:
    ranked: dict[str, Any] = {}
    for key, value in record.items():
        ranked[key] = value
        if key == "feasible":
            ranked["pareto_rank"] = rank
    return ranked


def jobs_to_json(jobs: Iterable[Job], trained_models: Mapping[int, str] | None = None,
                 pareto_ranks: Mapping[int, int | None] | None = None,
                 verdicts: Mapping[int, bool | None] | None = None) -> str:
    """Indented JSON list; NaN/inf become null (export_dict), so any JSON reader accepts it."""
    records = export_records(jobs, trained_models, pareto_ranks, verdicts)
    return json.dumps(records, indent=2, allow_nan=False) + "\n"


def flatten_export(record: dict[str, Any]) -> dict[str, Any]:
    """``{"params": {"a": 1}, "values": {"memory": 2.0}}`` -> ``{"params.a": 1, "values.memory_MB": 2.0}``
    for the nested fields; others unchanged."""
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key in NESTED_FIELDS:
            for name, inner in value.items():
                flat[nested_column(key, name)] = inner
        else:
            flat[key] = value
    return flat


def csv_columns(records: list[dict[str, Any]]) -> list[str]:
    """Fixed fields first, then params.*, values.*, predicted.* in order of first appearance."""
    columns = list(_FIXED_BEFORE)
    for field in NESTED_FIELDS:
        seen: dict[str, None] = {}
        for record in records:
            for name in record[field]:
                seen.setdefault(nested_column(field, name))
        columns.extend(seen)
    ranked = any("pareto_rank" in record for record in records)
    columns.extend(column for field in _FIXED_AFTER
                   for column in ((field, "pareto_rank") if field == "feasible" and ranked else (field,)))
    return columns


def nested_column(field: str, name: str) -> str:
    """``params.NAME`` as is; measured and predicted metrics carry their unit: ``values.power_W``."""
    return f"{field}.{name}" if field == "params" else f"{field}.{name_with_unit(name)}"


def _cell(value: Any) -> Any:
    """CSV cells: None empty, lists (Spearmint variables of size > 1) as JSON text."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value)
    return value


def jobs_to_csv(jobs: Iterable[Job], trained_models: Mapping[int, str] | None = None,
                pareto_ranks: Mapping[int, int | None] | None = None,
                verdicts: Mapping[int, bool | None] | None = None) -> str:
    records = export_records(jobs, trained_models, pareto_ranks, verdicts)
    columns = csv_columns(records)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for record in records:
        flat = flatten_export(record)
        writer.writerow({column: _cell(flat.get(column)) for column in columns})
    return buffer.getvalue()


def export_jobs(jobs: Iterable[Job], export_format: str, trained_models: Mapping[int, str] | None = None,
                pareto_ranks: Mapping[int, int | None] | None = None,
                verdicts: Mapping[int, bool | None] | None = None) -> str:
    if export_format == "json":
        return jobs_to_json(jobs, trained_models, pareto_ranks, verdicts)
    if export_format == "csv":
        return jobs_to_csv(jobs, trained_models, pareto_ranks, verdicts)
    raise ValueError(f"unknown export format {export_format!r}; use one of {', '.join(EXPORT_FORMATS)}")
