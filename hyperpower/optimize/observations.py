"""Jobs -> the arrays the optimizer fits: the only place that reads ``Job`` records.

Rules (design §6, issue 3):
* a COMPLETE job with a finite objective is an observation of the objective, whether or not it
  broke a budget (the unaware "default" baseline keeps infeasible results in its GP);
* a BROKEN or SKIPPED job, or a COMPLETE one whose objective is NaN, is excluded from the GP
  but its point is remembered so it is never suggested again;
* every COMPLETE job is also an observation of validity (issue 11: NaN is a hidden constraint,
  as in Spearmint): valid when its objective is finite, invalid when it is NaN. Crashes (BROKEN)
  say nothing about the configuration and are not validity observations;
* PENDING and RUNNING jobs are fantasies: their points are known, their values are not;
* a measured constraint value (a budget metric, or a Spearmint CONSTRAINT task) is an
  observation of that constraint whenever it is finite, even if the objective is not.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from hyperpower.errors import ConfigError
from hyperpower.feasibility import ObjectiveState, is_number, job_feasibility, objective_state
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.pareto import nondominated_mask
from hyperpower.space import SearchSpace


@dataclasses.dataclass(frozen=True)
class ConstraintRule:
    """A measured constraint: job.values[name] <= threshold (budget) or >= threshold (Spearmint)."""

    name: str
    threshold: float
    feasible_below: bool
    noiseless: bool = False

    @property
    def is_budget(self) -> bool:
        return self.feasible_below

    def is_satisfied(self, value: float) -> bool:
        return value <= self.threshold if self.feasible_below else value >= self.threshold


@dataclasses.dataclass
class Observations:
    """points: (n, dim) complete observations; objective: (n,); feasible: (n,) measured;
    constraints: name -> ((k, dim) points, (k,) values); pending: (p, dim) PENDING/RUNNING;
    failed: (b, dim) broken, skipped or NaN jobs; every_point: (N, dim) all jobs;
    validity: ((v, dim) points of COMPLETE jobs, (v,) True where the objective was not NaN);
    objectives: (n, m) every objective's value at ``points`` (column 0 is ``objective``), named by
    ``objective_names``; one column when the experiment has one objective."""

    points: np.ndarray
    objective: np.ndarray
    feasible: np.ndarray
    constraints: dict[str, tuple[np.ndarray, np.ndarray]]
    pending: np.ndarray
    failed: np.ndarray
    every_point: np.ndarray
    validity: tuple[np.ndarray, np.ndarray] = (np.zeros((0, 0)), np.zeros(0, dtype=bool))
    objectives: np.ndarray | None = None
    objective_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.objectives is None:
            self.objectives = self.objective.reshape(-1, 1)

    def has_invalid(self) -> bool:
        """Some finished job gave NaN: the space has a region of invalid results to learn."""
        return bool(len(self.validity[1])) and not bool(self.validity[1].all())

    def best_feasible_index(self) -> int | None:
        """Index into ``points`` of the best measured-feasible observation (None if none)."""
        if not self.feasible.any():
            return None
        candidates = np.flatnonzero(self.feasible)
        return int(candidates[np.argmin(self.objective[candidates])])


def feasible_values(observations: Observations) -> np.ndarray:
    """(k, m) objective values of the measured-feasible observations."""
    return observations.objectives[observations.feasible]


def feasible_front_indices(observations: Observations) -> np.ndarray:
    """Indices into ``observations.points`` of the measured-feasible non-dominated observations."""
    feasible = np.flatnonzero(observations.feasible)
    if len(feasible) == 0:
        return feasible
    return feasible[nondominated_mask(observations.objectives[feasible])]


def _measured_feasible(job: Job, rules: Sequence[ConstraintRule]) -> bool:
    """Known to keep every constraint (``feasibility.job_feasibility``, the verdict ``status`` and
    ``best`` give): an unknown verdict is not a feasible observation."""
    return job_feasibility(job, rules) is True


def _unit_point(space: SearchSpace, job: Job) -> np.ndarray:
    try:
        return space.to_unit(job.raw_params)
    except (KeyError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"job {job.id} of experiment {job.experiment!r} has raw_params {job.raw_params!r} that do not fit "
            f"the search space ({', '.join(space.names)}): {exc}"
        ) from None


def collect_observations(
    jobs: Sequence[Job], space: SearchSpace, objective: str | Sequence[str], rules: Sequence[ConstraintRule],
) -> Observations:
    """Sort every job of the experiment into observations, fantasies and failures; with several
    objectives a job is observed when all of them are finite, and invalid when one is NaN."""
    names = (objective,) if isinstance(objective, str) else tuple(objective)
    dim = space.dim
    points, values, feasible, pending, failed, every = [], [], [], [], [], []
    validity_points, valid = [], []
    constraint_data: dict[str, tuple[list, list]] = {rule.name: ([], []) for rule in rules}
    for job in jobs:
        point = _unit_point(space, job)
        every.append(point)
        if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
            pending.append(point)
            continue
        for rule in rules:
            if job.status is not JobStatus.SKIPPED and is_number(job.values.get(rule.name)):
                constraint_data[rule.name][0].append(point)
                constraint_data[rule.name][1].append(float(job.values[rule.name]))
        state = objective_state(job.values, names) if job.status is JobStatus.COMPLETE else ObjectiveState.MISSING
        if state is not ObjectiveState.MISSING:
            validity_points.append(point)
            valid.append(state is ObjectiveState.VALID)
        if state is ObjectiveState.VALID:
            points.append(point)
            values.append([float(job.values[name]) for name in names])
            feasible.append(_measured_feasible(job, rules))
        else:
            failed.append(point)

    def matrix(rows: list) -> np.ndarray:
        return np.array(rows, dtype=float).reshape(len(rows), dim)

    objectives = np.array(values, dtype=float).reshape(len(values), len(names))
    return Observations(
        points=matrix(points), objective=objectives[:, 0].copy(), feasible=np.array(feasible, dtype=bool),
        constraints={name: (matrix(p), np.array(v, dtype=float)) for name, (p, v) in constraint_data.items()},
        pending=matrix(pending), failed=matrix(failed), every_point=matrix(every),
        validity=(matrix(validity_points), np.array(valid, dtype=bool)),
        objectives=objectives, objective_names=names,
    )


def metric_measurements(jobs: Sequence[Job], space: SearchSpace,
                        metrics: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """metric -> ((k, dim) points, (k,) values) of every finished job that measured it (a finite
    value), whatever its objective: what a model that learns from measurements is conditioned on.
    A job's hardware value describes its configuration even when training failed or gave NaN."""
    data: dict[str, tuple[list, list]] = {metric: ([], []) for metric in metrics}
    for job in jobs:
        if job.status in (JobStatus.PENDING, JobStatus.RUNNING):
            continue
        measured = [metric for metric in metrics if is_number(job.values.get(metric))]
        if not measured:
            continue
        point = _unit_point(space, job)
        for metric in measured:
            data[metric][0].append(point)
            data[metric][1].append(float(job.values[metric]))
    return {metric: (np.array(points, dtype=float).reshape(len(points), space.dim), np.array(values, dtype=float))
            for metric, (points, values) in data.items()}
