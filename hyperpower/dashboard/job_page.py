"""One job's page, as JSON: its parameters, measured values beside the models' predictions and the
budgets, why it broke, the tail of its log, its rendered network file and its trained model.

Files are read only through ``job_files`` (the job's own files inside the experiment's folder);
a file that is not there is said to be missing, never re-created (``best`` re-renders a missing
network file; a read-only view must not).
"""

from __future__ import annotations

from typing import Any

from hyperpower import feasibility, metrics
from hyperpower.config import ExperimentConfig
from hyperpower.dashboard.job_files import job_file, job_file_names, read_tail, read_text
from hyperpower.dashboard.source import ExperimentSnapshot
from hyperpower.jobs import Job, iso_time
from hyperpower.report.table import feasible_cell, fidelity_cell, format_param


def job_page(snapshot: ExperimentSnapshot, job_id: int) -> dict[str, Any] | None:
    """The page of job ``job_id``; None when the experiment has no such job."""
    job = next((job for job in snapshot.jobs if job.id == job_id), None)
    if job is None:
        return None
    config = snapshot.config
    return {
        "id": job.id, "experiment": snapshot.name, "status": status_text(job, config), "method": job.method or "-",
        "device": job.device, "worker": job.worker, "attempts": job.attempts,
        "fidelity": fidelity_cell(job) if job.epochs is not None else None,
        "parent": job.parent, "children": [other.id for other in snapshot.jobs if other.parent == job.id],
        "params": [{"name": name, "value": format_param(value)} for name, value in job.params.items()],
        "raw_params": [{"name": name, "value": format_param(value)} for name, value in job.raw_params.items()
                       if job.params.get(name) != value],
        "metrics": metric_rows(job, config),
        "feasible": feasible_cell(job, config) if config is not None else None,
        "early_terminated": job.early_terminated,
        "times": {"submitted": iso_time(job.submit_time), "started": iso_time(job.start_time),
                  "ended": iso_time(job.end_time), "duration_s": job.duration_s},
        "reason": job.reason, "error": job.error,
        "files": job_files_entry(snapshot, job),
        "trained_model": trained_model(snapshot, job),
    }


def status_text(job: Job, config: ExperimentConfig | None) -> str:
    """``complete``, ``complete (stopped early)``, ``invalid (NaN)``, ``broken``..., as ``status`` says."""
    if config is not None and feasibility.is_invalid_job(job, config):
        return "invalid (NaN)"
    return job.status.value + (" (stopped early)" if job.early_terminated else "")


def metric_rows(job: Job, config: ExperimentConfig | None) -> list[dict[str, Any]]:
    """Every measured or predicted metric: value, prediction, budget and whether it was kept."""
    tasks = config.tasks if config is not None else {}
    rows = []
    for metric in dict.fromkeys([*job.values, *job.predicted]):
        task = tasks.get(metric)
        measured, predicted = job.values.get(metric), job.predicted.get(metric)
        # the verdict ``status`` uses: the measured value decides, else the budget's prediction
        kept = feasibility.constraint_verdict(job, task) if task is not None and task.type == "CONSTRAINT" else None
        rows.append({"metric": metric, "measured": metrics.metric(metric).format(measured),
                     "predicted": metrics.metric(metric).format(predicted),
                     "budget": _budget_text(task, metric), "kept": kept,
                     "role": task.type.lower() if task is not None else "recorded"})
    return rows


def _budget_text(task: Any, metric: str) -> str | None:
    if task is None or task.type != "CONSTRAINT":
        return None
    return f"<= {metrics.metric(metric).format(task.budget)}" if task.budget is not None else ">= 0"


def job_files_entry(snapshot: ExperimentSnapshot, job: Job) -> dict[str, Any]:
    """The log's tail and the network file's text, each with the route that serves it whole;
    ``None`` with a note when the file is not in the experiment's folder on this machine."""
    ids = {other.id for other in snapshot.jobs}
    entries: dict[str, Any] = {}
    for kind, name in job_file_names(job.id).items():
        path = job_file(snapshot.paths, name, ids)
        if path is None:
            where = "no folder of this experiment on this machine" if snapshot.paths is None \
                else f"no {name} in {snapshot.paths.output_dir}"
            entries[kind] = {"name": name, "text": None, "note": where}
            continue
        text = read_tail(path) if kind == "log" else read_text(path)
        entries[kind] = {"name": name, "path": str(path), "text": text, "note": ""}
    return entries


def trained_model(snapshot: ExperimentSnapshot, job: Job) -> str | None:
    """The job's kept Keras model file (``--keep-models``), when it is on disk here."""
    if snapshot.paths is None:
        return None
    from hyperpower.loop.trained_models import trained_model_file

    path = trained_model_file(snapshot.paths, job)
    return str(path) if path is not None else None
