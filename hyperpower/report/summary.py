"""What an experiment's jobs add up to: best feasible job, counts by status, budget violations.

Pure functions over ``list[Job]`` and the ``ExperimentConfig``; the commands, the run loop's
progress lines and the plots all use these, so "best" and "violation" mean one thing everywhere.

Values are keyed by task name (for HyperPower configs the task name is the metric). Feasibility
follows ``Task.is_satisfied``: value <= budget for a HyperPower budget, value >= 0 for a plain
Spearmint CONSTRAINT task.
"""

from __future__ import annotations

import dataclasses
import math

from hyperpower.config import ExperimentConfig, Task
from hyperpower.jobs import Job, JobStatus, error_reason


def objective_name(config: ExperimentConfig) -> str:
    """The key of the objective in ``Job.values`` (its task name)."""
    return config.objective_task.name


def objective_value(job: Job, config: ExperimentConfig) -> float | None:
    """The job's measured objective as a float, or None when absent or not a number."""
    value = job.values.get(objective_name(config))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def feasibility(job: Job, config: ExperimentConfig) -> bool | None:
    """Whether the job keeps every budget: False when one is broken (the loop's verdict, or a
    measured value, or a prediction where nothing was measured), True when every constraint task
    is satisfied by its measured value or, where it was not measured, by the model's prediction,
    None when some budget metric was neither measured nor predicted: nothing says it fits.

    The loop's ``feasible`` True (every budget measured and kept) is trusted as is.
    """
    if job.feasible is False:
        return False
    verdicts = [_task_verdict(job, task) for task in constraint_tasks(config)]
    if False in verdicts:
        return False
    if None in verdicts:
        return True if job.feasible is True else None
    return True


def _task_verdict(job: Job, task: Task) -> bool | None:
    """The task's measured value decides; a budget's prediction stands in when nothing was measured."""
    measured = job.values.get(task.name)
    if _is_number(measured):
        return task.is_satisfied(float(measured))
    predicted = job.predicted.get(task.name)
    if task.budget is not None and _is_number(predicted):
        return task.is_satisfied(float(predicted))
    return None


def unknown_feasibility_jobs(jobs: list[Job], config: ExperimentConfig) -> list[Job]:
    """COMPLETE jobs with a budget metric neither measured nor predicted: never counted as best."""
    return [job for job in jobs if job.status is JobStatus.COMPLETE and feasibility(job, config) is None]


def unknown_metrics(job: Job, config: ExperimentConfig) -> list[str]:
    """The constraint tasks the job has no measured or predicted value for."""
    return [task.name for task in constraint_tasks(config) if _task_verdict(job, task) is None]


def is_best_candidate(job: Job, config: ExperimentConfig) -> bool:
    """COMPLETE, finite objective, and known to keep every budget (``feasibility`` True).

    With no budget every complete job is feasible; an early-terminated job is complete and
    competes with the objective it reached.
    """
    if job.status is not JobStatus.COMPLETE or feasibility(job, config) is not True:
        return False
    value = objective_value(job, config)
    return value is not None and math.isfinite(value)


def is_invalid_job(job: Job, config: ExperimentConfig) -> bool:
    """A COMPLETE job whose objective (any of several) came back NaN: an invalid result (a hidden
    constraint, as in Spearmint), infeasible but not broken; reports say "invalid (NaN)"."""
    if job.status is not JobStatus.COMPLETE:
        return False
    values = [job.values.get(task.name) for task in config.objective_tasks]
    return any(isinstance(v, float) and math.isnan(v) for v in values)


def best_feasible_job(jobs: list[Job], config: ExperimentConfig) -> Job | None:
    """The candidate with the lowest objective (ties: the earliest job); None when there is none.

    Under a scheduler (``--scheduler``) only the candidates of the highest fidelity reached
    compete: an error after 1 epoch is not comparable with one after 9, and a configuration worth
    keeping is promoted to full fidelity anyway. A job without ``epochs`` (no scheduler) counts
    as full fidelity."""
    candidates = [job for job in jobs if is_best_candidate(job, config)]
    if not candidates:
        return None
    top = max(_fidelity(job) for job in candidates)
    candidates = [job for job in candidates if _fidelity(job) == top]
    return min(candidates, key=lambda job: (objective_value(job, config), job.id))


def _fidelity(job: Job) -> float:
    return math.inf if job.epochs is None else float(job.epochs)


def status_counts(jobs: list[Job]) -> dict[JobStatus, int]:
    """Number of jobs in each status, every status present (zeros included), in life-cycle order."""
    counts = {status: 0 for status in JobStatus}
    for job in jobs:
        counts[job.status] += 1
    return counts


def constraint_tasks(config: ExperimentConfig) -> list[Task]:
    return config.constraint_tasks


def broken_budgets_measured(job: Job, config: ExperimentConfig) -> list[str]:
    """Constraint tasks whose measured value in ``job`` breaks its budget."""
    broken = []
    for task in constraint_tasks(config):
        value = job.values.get(task.name)
        if _is_number(value) and not task.is_satisfied(float(value)):
            broken.append(task.name)
    return broken


def broken_budgets_predicted(job: Job, config: ExperimentConfig) -> list[str]:
    """Budgeted tasks whose a-priori prediction for ``job`` breaks the budget."""
    broken = []
    for task in constraint_tasks(config):
        value = job.predicted.get(task.name)
        if task.budget is not None and _is_number(value) and not task.is_satisfied(float(value)):
            broken.append(task.name)
    return broken


@dataclasses.dataclass(frozen=True)
class Violations:
    """measured: jobs whose measured value broke a budget; predicted: jobs predicted to break one."""

    measured: int
    predicted: int


def count_violations(jobs: list[Job], config: ExperimentConfig) -> Violations:
    return Violations(
        measured=sum(1 for job in jobs if broken_budgets_measured(job, config)),
        predicted=sum(1 for job in jobs if broken_budgets_predicted(job, config)),
    )


@dataclasses.dataclass(frozen=True)
class ModelHonesty:
    """Of the jobs whose prediction kept ``budget`` and whose value was measured, how many
    measured over it: the violation rate the a-priori model really delivered."""

    metric: str
    budget: float
    predicted_feasible: int
    measured_over: int

    @property
    def rate(self) -> float:
        return self.measured_over / self.predicted_feasible if self.predicted_feasible else math.nan


def model_honesty(jobs: list[Job], config: ExperimentConfig) -> list[ModelHonesty]:
    """One entry per budget some job has both a prediction within and a measured value of,
    whatever the job's status (a broken job may have measured its hardware first)."""
    entries = []
    for task in constraint_tasks(config):
        if task.budget is None:
            continue
        pairs = [(float(job.predicted[task.name]), float(job.values[task.name])) for job in jobs
                 if _is_number(job.predicted.get(task.name)) and _is_number(job.values.get(task.name))]
        kept = [measured for predicted, measured in pairs if task.is_satisfied(predicted)]
        if kept:
            over = sum(1 for measured in kept if not task.is_satisfied(measured))
            entries.append(ModelHonesty(task.name, float(task.budget), len(kept), over))
    return entries


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
