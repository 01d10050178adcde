"""Whether a job's result counts, decided once for the loop, the optimizer and every report.

*Validity.* An objective that comes back NaN is an *invalid result* (a hidden constraint, as in
Spearmint; Gelbart et al. 2014): the job is COMPLETE and infeasible, its NaN kept, never broken.
A missing or infinite objective (or an exception, time-out, kill) makes a job BROKEN instead.

*Feasibility* of a job against its constraints (HyperPower budgets, value <= budget; Spearmint
CONSTRAINT tasks, value >= 0), per constraint: its measured value decides; where nothing was
measured, a budget's a-priori prediction stands in; otherwise the verdict is unknown. The job is
infeasible when the loop said so or one constraint is broken, feasible when every one is kept
(or the loop measured them all and said so), and *unknown* otherwise: such a job is never the
best, never on the front, and the optimizer does not count it as a feasible observation.

*Fidelity.* Under a scheduler only the highest fidelity reached competes: an error after 1 epoch
is not comparable with one after 9. A job without ``epochs`` (no scheduler) is full fidelity.

Constraints are anything with a ``name``, ``is_satisfied(value)`` and ``is_budget`` (an upper
limit a model can predict): ``config.Task`` in the reports and the loop, the optimizer's
``ConstraintRule`` in ``optimize.observations``.
"""

from __future__ import annotations

import enum
import math
from typing import Any, Iterable, Mapping, Protocol, Sequence

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job, JobStatus


class Constraint(Protocol):
    name: str

    @property
    def is_budget(self) -> bool: ...

    def is_satisfied(self, value: float) -> bool: ...


def is_number(value: Any) -> bool:
    """A finite real number (a bool is not one): a value that can be compared with a budget."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def is_nan(value: Any) -> bool:
    """A NaN (an invalid result); a missing value or a non-number is not NaN."""
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


class ObjectiveState(enum.Enum):
    VALID = "valid"  # every objective finite
    INVALID = "invalid"  # one objective NaN, none missing: an invalid result
    MISSING = "missing"  # an objective absent or infinite: no result (a crash, a skip, unfinished)


def objective_state(values: Mapping[str, Any], objectives: Sequence[str]) -> ObjectiveState:
    """What the objective values (every one of several) say about the result."""
    found = [values.get(name) for name in objectives]
    if all(is_number(value) for value in found):
        return ObjectiveState.VALID
    if all(is_number(value) or is_nan(value) for value in found):
        return ObjectiveState.INVALID
    return ObjectiveState.MISSING


def objective_names(config: ExperimentConfig) -> list[str]:
    return [task.name for task in config.objective_tasks]


def is_invalid_result(config: ExperimentConfig, values: Mapping[str, Any]) -> bool:
    """An objective (any one of several) came back NaN: the configuration gives no valid result."""
    return any(is_nan(values.get(name)) for name in objective_names(config))


def is_invalid_job(job: Job, config: ExperimentConfig) -> bool:
    """A COMPLETE job whose objective came back NaN; reports say "invalid (NaN)"."""
    return job.status is JobStatus.COMPLETE and is_invalid_result(config, job.values)


def objective_problem(config: ExperimentConfig, values: Mapping[str, Any]) -> str | None:
    """Why the values cannot count as a finished evaluation (the job is broken): a missing or
    infinite objective. A NaN objective is no problem here: it is an invalid result."""
    for name in objective_names(config):
        if name not in values:
            return f"the objective {name!r} is missing from the returned values {sorted(values)}"
        if not is_number(values[name]) and not is_nan(values[name]):
            return f"the objective {name!r} is {values[name]!r}"
    return None


def _verdict(verdicts: Iterable[bool | None]) -> bool | None:
    verdicts = list(verdicts)
    if False in verdicts:
        return False
    return None if None in verdicts else True


def measured_feasibility(config: ExperimentConfig, values: Mapping[str, Any]) -> bool | None:
    """The loop's verdict when a job ends, from its measured values only: False when a constraint
    is broken or the result is invalid, True when every constraint was measured and kept, None
    when one was not measured (the reports then look at the prediction)."""
    if is_invalid_result(config, values):
        return False
    return _verdict(_measured_verdict(values, task) for task in config.constraint_tasks)


def _measured_verdict(values: Mapping[str, Any], constraint: Constraint) -> bool | None:
    value = values.get(constraint.name)
    return constraint.is_satisfied(float(value)) if is_number(value) else None


def constraint_verdict(job: Job, constraint: Constraint) -> bool | None:
    """The measured value decides; a budget's prediction stands in where nothing was measured."""
    measured = _measured_verdict(job.values, constraint)
    if measured is not None:
        return measured
    predicted = job.predicted.get(constraint.name)
    if constraint.is_budget and is_number(predicted):
        return constraint.is_satisfied(float(predicted))
    return None


def job_feasibility(job: Job, constraints: Sequence[Constraint]) -> bool | None:
    """False when the loop said so or a constraint is broken; True when every constraint is kept
    (measured, else predicted) or the loop measured them all and said so; None: unknown."""
    if job.feasible is False:
        return False
    verdict = _verdict(constraint_verdict(job, constraint) for constraint in constraints)
    if verdict is None and job.feasible is True:
        return True
    return verdict


def feasibility(job: Job, config: ExperimentConfig) -> bool | None:
    """``job_feasibility`` against the experiment's constraint tasks (the reports' verdict)."""
    return job_feasibility(job, config.constraint_tasks)


def reported_feasibility(job: Job, config: ExperimentConfig) -> bool | None:
    """What ``status`` and ``export`` show: the verdict of a COMPLETE job, None for the others
    (a job that did not finish has no result to be feasible)."""
    return feasibility(job, config) if job.status is JobStatus.COMPLETE else None


def unknown_metrics(job: Job, config: ExperimentConfig) -> list[str]:
    """The constraint tasks the job has no measured or predicted value for."""
    return [task.name for task in config.constraint_tasks if constraint_verdict(job, task) is None]


def fidelity(job: Job) -> float:
    """The epochs a job's result reflects; infinite (full fidelity) without a scheduler."""
    return math.inf if job.epochs is None else float(job.epochs)


def at_top_fidelity(jobs: Sequence[Job]) -> list[Job]:
    """The jobs at the highest fidelity any of them reached: the ones that compete for best and front."""
    if not jobs:
        return []
    top = max(fidelity(job) for job in jobs)
    return [job for job in jobs if fidelity(job) == top]
