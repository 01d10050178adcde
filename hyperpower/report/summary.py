"""What an experiment's jobs add up to: best feasible job, counts by status, budget violations.

Pure functions over ``list[Job]`` and the ``ExperimentConfig``; the commands, the run loop's
progress lines and the plots all use these, so "best" and "violation" mean one thing everywhere.

Values are keyed by task name (for HyperPower configs the task name is the metric). What counts
as feasible, invalid or at the fidelity that competes is ``hyperpower.feasibility``'s to say.
"""

from __future__ import annotations

import dataclasses
import math

from hyperpower.config import ExperimentConfig, Task
from hyperpower.feasibility import at_top_fidelity, feasibility, is_number
from hyperpower.jobs import Job, JobStatus


def objective_name(config: ExperimentConfig) -> str:
    """The key of the objective in ``Job.values`` (its task name)."""
    return config.objective_task.name


def objective_value(job: Job, config: ExperimentConfig) -> float | None:
    """The job's measured objective as a float, or None when absent or not a number."""
    value = job.values.get(objective_name(config))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def unknown_feasibility_jobs(jobs: list[Job], config: ExperimentConfig) -> list[Job]:
    """COMPLETE jobs with a budget metric neither measured nor predicted: never counted as best."""
    return [job for job in jobs if job.status is JobStatus.COMPLETE and feasibility(job, config) is None]


def is_best_candidate(job: Job, config: ExperimentConfig) -> bool:
    """COMPLETE, finite objective, and known to keep every budget (``feasibility`` True).

    With no budget every complete job is feasible; an early-terminated job is complete and
    competes with the objective it reached.
    """
    if job.status is not JobStatus.COMPLETE or feasibility(job, config) is not True:
        return False
    value = objective_value(job, config)
    return value is not None and math.isfinite(value)


def best_feasible_job(jobs: list[Job], config: ExperimentConfig) -> Job | None:
    """The candidate with the lowest objective (ties: the earliest job); None when there is none.

    Under a scheduler (``--scheduler``) only the candidates of the highest fidelity reached
    compete (``feasibility.at_top_fidelity``): a configuration worth keeping is promoted to full
    fidelity anyway."""
    candidates = at_top_fidelity([job for job in jobs if is_best_candidate(job, config)])
    if not candidates:
        return None
    return min(candidates, key=lambda job: (objective_value(job, config), job.id))


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
        if is_number(value) and not task.is_satisfied(float(value)):
            broken.append(task.name)
    return broken


def broken_budgets_predicted(job: Job, config: ExperimentConfig) -> list[str]:
    """Budgeted tasks whose a-priori prediction for ``job`` breaks the budget."""
    broken = []
    for task in constraint_tasks(config):
        value = job.predicted.get(task.name)
        if task.budget is not None and is_number(value) and not task.is_satisfied(float(value)):
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
                 if is_number(job.predicted.get(task.name)) and is_number(job.values.get(task.name))]
        kept = [measured for predicted, measured in pairs if task.is_satisfied(predicted)]
        if kept:
            over = sum(1 for measured in kept if not task.is_satisfied(measured))
            entries.append(ModelHonesty(task.name, float(task.budget), len(kept), over))
    return entries
