"""The numbers behind ``hyperpower plot``: pure functions from job records to arrays.

Kept apart from the drawing code (``hyperpower.report.plots``) so that what a figure shows can be
tested exactly, without matplotlib, and reused by benchmarks that draw their own figures.

An *evaluation* is a job that ran: COMPLETE or BROKEN. SKIPPED jobs (suggestions rejected a
priori by a power/memory model) were never trained, so they are counted apart, never placed on
an evaluation axis. Evaluations are numbered 1, 2, ... in the order they finished.

What "best feasible" and "violation" mean comes from ``hyperpower.report.summary``, so a figure's
last point always agrees with what ``status`` and ``best`` print.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from hyperpower.config import ExperimentConfig, Task
from hyperpower.hardware.regression import rmspe  # noqa: F401 - one RMSPE for models and figures
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import summary
from hyperpower.metrics import HARDWARE_METRICS, metric as registered_metric
from hyperpower.units import format_value

#: the main-file of configs ``generate`` writes: their ``error`` is a trained network's, on a known split
HYPERPOWER_MAIN_FILE = "hyperpower.py"


@dataclasses.dataclass(frozen=True)
class Budget:
    """The limit one constraint task puts on a metric.

    HyperPower budgets are upper limits (feasible when ``value <= limit``); a plain Spearmint
    CONSTRAINT task has no budget and is feasible when ``value >= 0``, so its limit is 0 from
    below. ``Task.is_satisfied`` stays the single definition of feasibility.
    """

    metric: str
    task: Task

    @property
    def limit(self) -> float:
        return float(self.task.budget) if self.task.budget is not None else 0.0

    @property
    def is_upper_limit(self) -> bool:
        return self.task.budget is not None

    @property
    def label(self) -> str:
        if self.is_upper_limit:
            return f"budget {format_value(self.metric, self.limit)}"
        return "feasible when >= 0"


def budgets_of(config: ExperimentConfig) -> dict[str, Budget]:
    """metric -> Budget for every constraint task (the tasks the loop checks feasibility with)."""
    return {task.name: Budget(task.name, task) for task in config.constraint_tasks}


def objective_name(config: ExperimentConfig) -> str:
    """The objective's key in ``Job.values`` (its task name), as the summaries read it."""
    return summary.objective_name(config)


def error_split(config: ExperimentConfig | None) -> str | None:
    """The split the run's ``error`` was measured on, ``validation`` or ``test`` (the config's
    ``objective_split``), for runs whose jobs HyperPower trains; None for a plain Spearmint
    main-file, whose ``error`` task means whatever the file returns."""
    if config is None or config.main_file != HYPERPOWER_MAIN_FILE:
        return None
    return config.settings.objectives.split


def metric_name(metric: str, config: ExperimentConfig | None = None) -> str:
    """The metric as figures name it in words: ``validation error`` or ``test error`` by the
    split the run used (issue 22 point 8: a figure never calls a validation error a test error);
    ``test_error`` is always the test split's; anything else its own name."""
    if metric == "test_error" and error_split(config) is not None:
        return "test error"
    split = error_split(config) if metric == "error" else None
    return f"{split} error" if split else metric


def metric_label(metric: str, config: ExperimentConfig | None = None) -> str:
    """Axis label naming the metric and its unit (the registry's, ``hyperpower.metrics``), e.g.
    ``power (W)``; ``error`` named by its split, ``validation error (fraction, 1 - accuracy)``,
    when ``config`` says which (without it the split is not claimed)."""
    split = error_split(config) if metric == "error" else None
    label = registered_metric(metric).axis_label
    return f"{split} {label}" if split else label


def finite_value(values: dict[str, Any], metric: str) -> float | None:
    """``values[metric]`` as a float when present and finite, else None."""
    try:
        value = float(values[metric])
    except (KeyError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def evaluated_jobs(jobs: Sequence[Job]) -> list[Job]:
    """COMPLETE and BROKEN jobs in the order they finished (end time, then id)."""
    ran = [job for job in jobs if job.status in (JobStatus.COMPLETE, JobStatus.BROKEN)]
    return sorted(ran, key=lambda job: (job.end_time if job.end_time is not None else math.inf, job.id))


def group_by_method(jobs: Sequence[Job]) -> dict[str, list[Job]]:
    """method -> its jobs, keeping order; an unnamed method is shown as ``(unnamed)``."""
    groups: dict[str, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.method or "(unnamed)", []).append(job)
    return groups


def running_best(evaluations: Sequence[Job], config: ExperimentConfig) -> np.ndarray:
    """Best feasible objective after each evaluation: shape (n,), NaN until one exists.

    ``summary.best_feasible_job`` is applied to every prefix (O(n^2), fine for the hundreds of
    jobs an experiment holds) so the curve can never disagree with what ``best`` reports.
    """
    objective = objective_name(config)
    curve = np.full(len(evaluations), np.nan)
    for index in range(len(evaluations)):
        best = summary.best_feasible_job(list(evaluations[: index + 1]), config)
        value = finite_value(best.values, objective) if best is not None else None
        if value is not None:
            curve[index] = value
    return curve


def elapsed_times(evaluations: Sequence[Job]) -> np.ndarray:
    """Seconds from the first evaluation's start to each evaluation's end: shape (n,), NaN where
    a time is missing. The origin is the earliest start time (submit time when none started)."""
    starts = [job.start_time for job in evaluations if job.start_time is not None]
    starts = starts or [job.submit_time for job in evaluations if job.submit_time is not None]
    origin = min(starts) if starts else None
    return np.array([job.end_time - origin if origin is not None and job.end_time is not None else np.nan
                     for job in evaluations], dtype=float)


def time_axis_scale(span_s: float) -> tuple[float, str]:
    """(divisor, unit) that keeps a wall-clock axis readable: s below 2 min, min below 2 h, h."""
    if span_s < 120:
        return 1.0, "s"
    if span_s < 7200:
        return 60.0, "min"
    return 3600.0, "h"


def measured_violation(job: Job, config: ExperimentConfig) -> bool:
    """A measured value of the job breaks a budget (a broken job may have measured some)."""
    return bool(summary.broken_budgets_measured(job, config))


def predicted_violation(job: Job, config: ExperimentConfig) -> bool:
    """A hardware model predicted, before training, that the job breaks a budget."""
    return bool(summary.broken_budgets_predicted(job, config))


def cumulative_violations(evaluations: Sequence[Job], config: ExperimentConfig) -> tuple[np.ndarray, np.ndarray]:
    """(measured, predicted): running counts of budget-breaking evaluations, each shape (n,)."""
    measured = np.cumsum([measured_violation(job, config) for job in evaluations], dtype=int)
    predicted = np.cumsum([predicted_violation(job, config) for job in evaluations], dtype=int)
    return measured, predicted


def prediction_pairs(jobs: Sequence[Job], metric: str) -> tuple[np.ndarray, np.ndarray]:
    """(measured, predicted) of every job that has both for ``metric``: shapes (n,), (n,)."""
    pairs = [(finite_value(job.values, metric), finite_value(job.predicted, metric)) for job in jobs]
    kept = [(measured, predicted) for measured, predicted in pairs if measured is not None and predicted is not None]
    if not kept:
        return np.empty(0), np.empty(0)
    measured, predicted = zip(*kept)
    return np.asarray(measured, dtype=float), np.asarray(predicted, dtype=float)



def measured_metrics(jobs: Sequence[Job], config: ExperimentConfig) -> list[str]:
    """Budget metrics, then other hardware metrics, that some COMPLETE job measured."""
    complete = [job for job in jobs if job.status is JobStatus.COMPLETE]
    budgeted = list(budgets_of(config))
    candidates = budgeted + [metric for metric in HARDWARE_METRICS if metric not in budgeted]
    return [metric for metric in candidates
            if metric != objective_name(config)
            and any(finite_value(job.values, metric) is not None for job in complete)]


def fidelity_levels(jobs: Sequence[Job], config: ExperimentConfig) -> list[int]:
    """The distinct epochs (rungs) ``jobs`` trained to, lowest first, under a scheduler: what the
    figures tell apart, since an error after 1 epoch is not one after 9 (issue 22 point 10);
    empty without a scheduler (one fidelity)."""
    if config.settings.schedule.scheduler is None:
        return []
    return sorted({int(job.epochs) for job in jobs if job.epochs is not None})


def predicted_metrics(jobs: Sequence[Job]) -> list[str]:
    """Every metric some job has a prediction for, in first-seen order."""
    seen: dict[str, None] = {}
    for job in jobs:
        for metric in job.predicted:
            seen.setdefault(metric, None)
    return list(seen)
