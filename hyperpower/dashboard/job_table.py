"""The job table of the page, as JSON: ``status``'s columns and cells, plus what the browser sorts
and filters on (status, rung, device, feasible).

The cells are ``hyperpower.report.table``'s own (``job_row``), so a row reads as ``status``
prints it; the page only adds sorting keys and filter values beside them.
"""

from __future__ import annotations

import math
from typing import Any

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job
from hyperpower.report.table import feasible_cell, job_columns, job_row

#: columns whose cells sort by a number rather than by their text
_NUMERIC = {"id", "duration", "epochs", "cost"}


def job_table(jobs: list[Job], config: ExperimentConfig) -> dict[str, Any]:
    """``{"columns": [{"key", "numeric"}], "rows": [{"id", "cells", "sort", "filters"}]}``."""
    columns = job_columns(config)
    numeric = _NUMERIC | {task.name for task in [*config.objective_tasks, *config.constraint_tasks]}
    return {
        "columns": [{"key": column, "numeric": column in numeric} for column in columns],
        "rows": [_row(job, config, columns) for job in jobs],
        "filters": filter_options(jobs, config),
    }


def _row(job: Job, config: ExperimentConfig, columns: list[str]) -> dict[str, Any]:
    cells = dict(zip(columns, job_row(job, config)))
    return {"id": job.id, "cells": cells, "sort": sort_keys(job, cells), "filters": filter_values(job, config)}


def sort_keys(job: Job, cells: dict[str, str]) -> dict[str, Any]:
    """Per column a value that sorts right: measured numbers, durations, ids; text otherwise."""
    keys: dict[str, Any] = {column: text for column, text in cells.items()}
    keys["id"] = job.id
    keys["duration"] = job.duration_s
    keys["epochs"] = job.epochs
    for metric, value in job.values.items():
        if metric in keys:
            keys[metric] = value if isinstance(value, (int, float)) and math.isfinite(value) else None
    return keys


def filter_values(job: Job, config: ExperimentConfig) -> dict[str, str]:
    """The values the page's filters match, as the filter menus spell them."""
    return {"status": job.status.value, "rung": "-" if job.rung is None else str(job.rung),
            "device": job.device or "-", "feasible": feasible_cell(job, config)}


def filter_options(jobs: list[Job], config: ExperimentConfig) -> dict[str, list[str]]:
    """Each filter's choices: the values some job has, in a stable order."""
    options: dict[str, list[str]] = {"status": [], "rung": [], "device": [], "feasible": []}
    for job in jobs:
        for key, value in filter_values(job, config).items():
            if value not in options[key]:
                options[key].append(value)
    return {key: sorted(values, key=lambda v: (len(v), v)) for key, values in options.items()}
