"""The overview of one experiment, as JSON: what is optimized under which budgets (and how the
budgets are calibrated), the method, scheduler and devices, how far the run is, and its best job
or front.

Every judgement comes from ``hyperpower.report`` (best, front, violations, the models' honesty,
``status``'s own summary lines), so the page says what ``status`` prints.
"""

from __future__ import annotations

import math
from typing import Any

from hyperpower import metrics
from hyperpower.config import ExperimentConfig
from hyperpower.dashboard.source import ExperimentSnapshot
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_data as data
from hyperpower.report import summary
from hyperpower.report.pareto import has_several_objectives
from hyperpower.report.table import format_params, honesty_text, summary_lines


def overview(snapshot: ExperimentSnapshot) -> dict[str, Any]:
    """The overview panel's facts; with no settings for the experiment, only what the jobs say."""
    config, jobs = snapshot.config, snapshot.jobs
    base = {"experiment": snapshot.name, "store": snapshot.store_display,
            "folder": str(snapshot.paths.root) if snapshot.paths else None, "note": snapshot.note,
            "state": run_state(snapshot), "progress": progress(snapshot)}
    if config is None:
        return base
    settings = config.settings
    return {
        **base,
        "objectives": [{"name": task.name, "label": data.metric_label(task.name, config)} for task in config.objective_tasks],
        "method": settings.search.method,
        "aware": settings.search.aware,
        "budgets": [budget_entry(snapshot, task.name) for task in config.constraint_tasks],
        "scheduler": scheduler_entry(jobs, config),
        "devices": device_entries(jobs, config),
        "best": best_entry(snapshot),
        "status_lines": summary_lines(jobs, config),
    }


def run_state(snapshot: ExperimentSnapshot) -> str:
    """``running`` (a job runs or waits), ``finished`` (the driver said so), ``stopped`` (no job
    left to run but the driver never finished: it was stopped or died), or ``no jobs yet``."""
    jobs = snapshot.jobs
    if any(job.status in (JobStatus.RUNNING, JobStatus.PENDING) for job in jobs):
        return "running"
    if not jobs:
        return "no jobs yet"
    return "finished" if snapshot.finished else "stopped"


def progress(snapshot: ExperimentSnapshot) -> dict[str, Any]:
    """Finished evaluations (complete or broken, as ``--max-evals`` counts them) of the target,
    counts by status, elapsed time since the first job started and an estimate of what is left."""
    jobs = snapshot.jobs
    counts = {status.value: count for status, count in summary.status_counts(jobs).items()}
    finished = counts["complete"] + counts["broken"]
    max_evals = snapshot.config.settings.search.max_evals if snapshot.config else None
    max_time = snapshot.config.settings.search.max_time_s if snapshot.config else None
    starts = [job.start_time for job in jobs if job.start_time is not None]
    ends = [job.end_time for job in jobs if job.end_time is not None]
    state = run_state(snapshot)
    elapsed = None
    if starts:
        until = snapshot.read_at if state == "running" else max(ends + starts)
        elapsed = max(0.0, until - min(starts))
    remaining, basis = remaining_time(state, finished, max_evals, elapsed)
    return {"counts": counts, "finished": finished, "max_evals": max_evals, "elapsed_s": elapsed,
            "remaining_s": remaining, "remaining_basis": basis,
            "max_time_s": max_time if max_time is not None and math.isfinite(max_time) else None}


def remaining_time(state: str, finished: int, max_evals: int | None, elapsed: float | None) -> tuple[float | None, str]:
    """Seconds left at the pace so far (elapsed per finished evaluation), and how that was found."""
    if state != "running":
        return None, "the run is not going on"
    if max_evals is None or not finished or elapsed is None:
        return None, "no evaluation finished yet"
    left = max(0, max_evals - finished)
    pace = elapsed / finished
    return left * pace, f"{left} evaluation(s) left at {pace:.1f} s each, the pace so far"


def budget_entry(snapshot: ExperimentSnapshot, name: str) -> dict[str, Any]:
    """One budget: its limit, the model that checks it before training and how that check is
    calibrated (the threshold predictions must stay under), and how honest the model was."""
    config = snapshot.config
    assert config is not None
    task = config.tasks[name]
    entry: dict[str, Any] = {"metric": name, "label": data.metric_label(name, config),
                             "limit": (f"<= {metrics.metric(name).format(task.budget)}" if task.budget is not None
                                       else ">= 0 (Spearmint constraint)"),
                             "budget": task.budget, "model": None, "calibration": "measured after training only"}
    model = snapshot.models.get(name)
    if model is not None and task.budget is not None:
        entry["model"] = {"source": model.source or "inline", "device": model.device or None,
                          "samples": model.samples or None, "cv_rmspe": model.cv_rmspe}
        entry["threshold"], entry["calibration"] = calibration(config, model, float(task.budget))
    honesty = [item for item in summary.model_honesty(snapshot.jobs, config) if item.metric == name]
    entry["honesty"] = honesty_text(honesty[0], config) if honesty else None
    return entry


def calibration(config: ExperimentConfig, model: Any, budget: float) -> tuple[float | None, str]:
    """The threshold an aware method keeps predictions under (``optimizer.budget_threshold``,
    the one place it is decided) and the words for it."""
    from hyperpower.errors import ConfigError
    from hyperpower.optimize.optimizer import budget_threshold

    settings = config.settings
    if not settings.search.aware:
        return None, "unaware run: the model's predictions are recorded, every suggestion is trained"
    try:
        threshold = budget_threshold(budget, model, settings.budgets)
    except ConfigError as error:
        return None, str(error)
    shown = metrics.metric(model.metric).format(threshold)
    if settings.budgets.violation_rate > 0:
        quantile = 100.0 * model.conformal_quantile(settings.budgets.violation_rate)
        return threshold, (f"--violation-rate {settings.budgets.violation_rate:g}: predictions must stay <= {shown} "
                           f"(split-conformal error quantile +{quantile:.1f}%)")
    if threshold < budget:
        return threshold, f"--model-margin {settings.budgets.margin:g}: predictions must stay <= {shown}"
    return threshold, "predictions must stay <= the budget (the paper's indicator, uncalibrated)"


def scheduler_entry(jobs: list[Job], config: ExperimentConfig) -> dict[str, Any] | None:
    """The rung ladder of ``--scheduler`` and how many jobs each rung holds, by status."""
    settings = config.settings
    if not settings.schedule.scheduler:
        return None
    from hyperpower.settings.schedule import ladder

    rungs = []
    for index, epochs in enumerate(ladder(settings)):
        at = [job for job in jobs if job.rung == index]
        rungs.append({"rung": index, "epochs": epochs, "jobs": len(at),
                      "complete": sum(job.status is JobStatus.COMPLETE for job in at)})
    return {"name": settings.schedule.scheduler, "eta": settings.schedule.eta, "rungs": rungs}


def device_entries(jobs: list[Job], config: ExperimentConfig) -> list[dict[str, Any]]:
    """Per device of ``--devices``: its price and its jobs."""
    settings = config.settings
    return [{"device": device, "price_per_hour": settings.devices.prices.get(device),
             "jobs": sum(job.device == device for job in jobs),
             "complete": sum(job.device == device and job.status is JobStatus.COMPLETE for job in jobs)}
            for device in settings.devices.options]


def best_entry(snapshot: ExperimentSnapshot) -> dict[str, Any]:
    """The best feasible job (``best``), or with several objectives the front (``pareto``)."""
    jobs, config = snapshot.jobs, snapshot.config
    assert config is not None
    if has_several_objectives(config):
        front = snapshot.front()
        return {"kind": "front", "hypervolume": front.hypervolume,
                "reference": {name: metrics.metric(name).format(value) for name, value in front.reference.items()},
                "jobs": [_job_brief(job, front.objectives) for job in front.jobs]}
    best = summary.best_feasible_job(jobs, config)
    return {"kind": "best", "jobs": [_job_brief(best, [summary.objective_name(config)])] if best else []}


def _job_brief(job: Job, objectives: list[str]) -> dict[str, Any]:
    return {"id": job.id, "values": {name: metrics.metric(name).format(job.values.get(name)) for name in objectives},
            "params": format_params(job.params)}
