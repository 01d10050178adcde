"""The job table and summary lines of ``hyperpower status`` (plain text, fixed-width columns)."""

from __future__ import annotations

import math
from typing import Any, Sequence

from hyperpower.config import ExperimentConfig
from hyperpower.hardware.protocol import is_quick_job, protocol_text
from hyperpower.jobs import Job, JobStatus
from hyperpower.report.pareto import front_summary_line, has_several_objectives, pareto_front
from hyperpower.feasibility import is_invalid_job, reported_feasibility, unknown_metrics
from hyperpower.report.summary import (
    best_feasible_job,
    count_violations,
    ModelHonesty,
    model_honesty,
    objective_name,
    status_counts,
    unknown_feasibility_jobs,
)
from hyperpower.settings.schedule import epochs_text, ladder, schedule_text
from hyperpower.units import format_value


def format_param(value: Any) -> str:
    """Compact parameter text: floats to 4 significant digits, everything else as is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(format_param(v) for v in value) + "]"
    return str(value)


def format_params(params: dict[str, Any]) -> str:
    return " ".join(f"{name}={format_param(value)}" for name, value in params.items())


def measured_and_predicted(job: Job, metric: str) -> str:
    """``131.2 MB (pred 128 MB)``; ``-`` when neither is known; ``NaN`` when the job returned one."""
    measured = job.values.get(metric)
    predicted = job.predicted.get(metric)
    text = format_value(metric, measured) if _is_real(measured) else "-"
    if _is_number(predicted):
        text += f" (pred {format_value(metric, predicted)})"
    return text


def job_columns(config: ExperimentConfig) -> list[str]:
    """Column names: every objective and every constraint task get one column each; a run with a
    scheduler has an ``epochs`` column (``fidelity_cell``)."""
    return ["id", "status", "method", *device_columns(config), *(["epochs"] if config.settings.schedule.scheduler else []),
            *[task.name for task in config.objective_tasks],
            *[task.name for task in config.constraint_tasks],
            "feasible", "early", "duration", "params", "reason"]


def device_columns(config: ExperimentConfig) -> list[str]:
    """``device`` (and ``cost`` when priced) for an experiment that chooses devices (issue 14)."""
    settings = config.settings
    if not settings.devices.options:
        return []
    return ["device"] + (["cost"] if settings.devices.prices and "cost" not in config.tasks else [])


def device_cells(job: Job, config: ExperimentConfig) -> list[str]:
    columns = device_columns(config)
    cells = [job.device or "-"] if columns else []
    if "cost" in columns:
        cells.append(format_value("cost", job.values["cost"]) if _is_real(job.values.get("cost")) else "-")
    return cells


def feasible_cell(job: Job, config: ExperimentConfig) -> str:
    """yes / NO for a complete job; ``unknown`` when a budget metric was neither measured nor
    predicted (such a job is never the best); ``-`` for a job that did not complete."""
    if job.status is not JobStatus.COMPLETE:
        return "-"
    return {True: "yes", False: "NO", None: "unknown"}[reported_feasibility(job, config)]


def fidelity_cell(job: Job) -> str:
    """``9 (+6 on job 4)``: total epochs, and when the job continued a parent's checkpoint the
    epochs it trained itself; ``3`` when it trained all of them; ``-`` for a full-fidelity job."""
    if job.epochs is None:
        return "-"
    if job.parent is None or job.trained_epochs is None or job.trained_epochs == job.epochs:
        return str(job.epochs)
    return f"{job.epochs} (+{job.trained_epochs} on job {job.parent})"


def job_row(job: Job, config: ExperimentConfig) -> list[str]:
    feasible = feasible_cell(job, config)
    duration = f"{job.duration_s:.1f} s" if job.duration_s is not None else "-"
    reason = job.reason or ""
    if is_invalid_job(job, config):
        reason = "invalid (NaN)"
    fidelity = [fidelity_cell(job)] if config.settings.schedule.scheduler else []
    return [str(job.id), job.status.value, job.method or "-", *device_cells(job, config), *fidelity,
            *[measured_and_predicted(job, task.name) for task in config.objective_tasks],
            *[measured_and_predicted(job, task.name) for task in config.constraint_tasks],
            feasible, "yes" if job.early_terminated else "", duration, format_params(job.params), reason]


def format_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned fixed-width text table with a dashed rule under the header."""
    widths = [len(column) for column in columns]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()
             for line in [columns, ["-" * width for width in widths], *rows]]
    return "\n".join(lines)


def jobs_table(jobs: list[Job], config: ExperimentConfig) -> str:
    return format_table(job_columns(config), [job_row(job, config) for job in jobs])


def budget_text(config: ExperimentConfig) -> str:
    """``memory <= 200 MB, power <= 90 W``; Spearmint constraints read ``name >= 0``."""
    parts = [f"{task.name} <= {format_value(task.name, task.budget)}" if task.budget is not None
             else f"{task.name} >= 0" for task in config.constraint_tasks]
    return ", ".join(parts) or "none"


def settings_line(config: ExperimentConfig) -> str:
    settings = config.settings
    awareness = "aware" if settings.search.aware else "unaware"
    objectives = [task.name for task in config.objective_tasks]
    minimized = objectives[0] if len(objectives) == 1 else f"{', '.join(objectives)} (Pareto front)"
    fidelity = schedule_text(settings)
    return (f"minimize {minimized} | budgets: {budget_text(config)} | "
            f"method {settings.search.method} ({awareness})" + (f" | {fidelity}" if fidelity else ""))


def rung_line(jobs: list[Job], config: ExperimentConfig) -> str | None:
    """``rungs: 1 epoch 9 job(s), 3 epochs 3 job(s), 9 epochs 1 job(s)`` (finished jobs per rung)
    under a scheduler: how far up the ladder the run got; None without one."""
    if config.settings.schedule.scheduler is None:
        return None
    counts = {epochs: 0 for epochs in ladder(config.settings)}
    for job in jobs:
        if job.status.finished and job.epochs is not None:
            counts[job.epochs] = counts.get(job.epochs, 0) + 1
    return "rungs: " + ", ".join(f"{epochs_text(epochs)} {count} job(s)" for epochs, count in sorted(counts.items()))


def summary_lines(jobs: list[Job], config: ExperimentConfig) -> list[str]:
    """Counts by status, best so far and budget violations, one line each."""
    counts = status_counts(jobs)
    by_status = ", ".join(f"{status.value} {count}" for status, count in counts.items())
    lines = [settings_line(config), f"jobs: {len(jobs)} ({by_status})"]
    rungs = rung_line(jobs, config)
    lines += [rungs] if rungs else []
    best = best_feasible_job(jobs, config)
    objective = objective_name(config)
    if has_several_objectives(config):
        lines += front_lines(jobs, config)
    elif best is None:
        lines.append("best so far: no feasible complete job yet")
    else:
        fidelity = f" (at {epochs_text(best.epochs)}, the top rung reached)" if best.epochs is not None else ""
        lines.append(f"best so far{fidelity}: job {best.id} {objective}="
                     f"{format_value(objective, best.values[objective])} | {format_params(best.params)}")
    if config.constraint_tasks:
        violations = count_violations(jobs, config)
        lines.append(f"violations: {violations.measured} job(s) broke a budget when measured; "
                     f"{violations.predicted} job(s) were predicted to break one")
        unknown = unknown_feasibility_jobs(jobs, config)
        if unknown:
            lines.append(unknown_line(unknown, config))
    lines.append(time_line(jobs))
    return lines + honesty_lines(jobs, config) + protocol_lines(jobs)


def protocol_lines(jobs: list[Job]) -> list[str]:
    """A line when some job's hardware was measured with the shortened quick protocol (issue 22
    point 13): the values such a job holds are as noisy as the full protocol exists to avoid."""
    measured = [job for job in jobs if "measurement_windows" in job.values]
    quick = [job for job in measured if is_quick_job(job.values)]
    if not quick:
        return []
    example = {"windows": quick[0].values["measurement_windows"], "window_s": quick[0].values["measurement_window_s"],
               "quick": True}
    ids = ", ".join(str(job.id) for job in quick[:10]) + (", ..." if len(quick) > 10 else "")
    return [f"measurement: {len(quick)} of {len(measured)} measured job(s) used the {protocol_text(example)}: "
            f"their hardware values are noisy (job(s) {ids})"]


def front_lines(jobs: list[Job], config: ExperimentConfig) -> list[str]:
    """Several objectives: the front's size and hypervolume (reference point and its rule), then
    one line per front job; ``hyperpower pareto`` shows the same front with network files."""
    front = pareto_front(jobs, config)
    if not front.jobs:
        return ["front: no feasible complete job with every objective yet"]
    lines = [front_summary_line(front)]
    for job in front.jobs:
        values = " ".join(f"{name}={format_value(name, job.values[name])}" for name in front.objectives)
        lines.append(f"  job {job.id}: {values} | {format_params(job.params)}")
    return lines


def honesty_lines(jobs: list[Job], config: ExperimentConfig) -> list[str]:
    """``memory: 2 of 40 job(s) predicted under 300 MB measured over it (5.0%; requested at most 5%)``
    per modelled budget: whether the models held in measurement, against ``--violation-rate``."""
    return [f"{entry.metric}: {honesty_text(entry, config)}" for entry in model_honesty(jobs, config)]


def honesty_text(entry: ModelHonesty, config: ExperimentConfig, short: bool = False) -> str:
    """One budget's measured violation rate among jobs predicted feasible, and what was asked
    (``status`` and the predicted-vs-measured plot say it alike; ``short`` for a panel title)."""
    settings = config.settings
    if settings.budgets.violation_rate > 0:
        requested = f"requested at most {100 * settings.budgets.violation_rate:g}%"
    elif settings.budgets.margin > 0:
        requested = f"--model-margin {settings.budgets.margin:g}, no rate requested"
    else:
        requested = "no rate requested" + ("" if short else " (--violation-rate A calibrates the budgets)")
    return (f"{entry.measured_over} of {entry.predicted_feasible} job(s) predicted under "
            f"{format_value(entry.metric, entry.budget)} measured over it ({100 * entry.rate:.1f}%; {requested})")


def unknown_line(unknown: list[Job], config: ExperimentConfig) -> str:
    """The complete jobs nothing says fit the budgets, listed apart: they never count as best."""
    described = ", ".join(f"job {job.id} ({', '.join(unknown_metrics(job, config))})" for job in unknown)
    return (f"feasibility unknown: {len(unknown)} complete job(s) with a budget metric neither measured nor "
            f"predicted, never counted as best: {described}")


def time_line(jobs: list[Job]) -> str:
    """Where the run's time went: trained jobs (complete, stopped early, broken) and suggestions
    rejected before any training (skipped), the savings the aware methods are for."""
    def seconds(selected: list[Job]) -> float:
        return sum(job.duration_s or 0.0 for job in selected)

    complete = [j for j in jobs if j.status is JobStatus.COMPLETE]
    early = [j for j in complete if j.early_terminated]
    broken = [j for j in jobs if j.status is JobStatus.BROKEN]
    skipped = sum(j.status is JobStatus.SKIPPED for j in jobs)
    return (f"time: {seconds(complete) + seconds(broken):.1f} s training {len(complete) + len(broken)} job(s) "
            f"(complete {seconds(complete):.1f} s, of which {seconds(early):.1f} s in {len(early)} stopped early; "
            f"broken {seconds(broken):.1f} s); {skipped} suggestion(s) skipped before training")


def _is_real(value: object) -> bool:
    """A number, NaN and inf included (a job may return NaN: the table shows it as such)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
