"""The feasible Pareto front of an experiment's jobs: which jobs are on it, their ranks, the
reference point and the hypervolume (issue 12).

One definition for ``pareto``, ``export``'s ``pareto_rank``, ``status``, ``best`` and ``plot``,
built on ``hyperpower.optimize.pareto`` (the arithmetic the optimizer uses too), so "on the front"
means the same thing in every report and in the search:

* only *front candidates* are ranked: COMPLETE jobs known to keep every budget (``feasibility``
  True, as for ``best``) whose every objective is finite, at the highest fidelity reached under a
  scheduler (``feasibility.at_top_fidelity``, as for ``best``). Infeasible, invalid (an objective
  NaN), broken, skipped, unfinished and lower-rung jobs get no rank (``None``, null in the export);
* rank 0 is the non-dominated set of the candidates, rank k the front once ranks 0..k-1 are
  removed (non-dominated sorting);
* the reference point: values given (``--reference`` of ``pareto``, else the run's fixed
  reference), else the default rule, each objective's worst value among the candidates plus 10%
  of its range (``pareto.default_reference``, the rule the multi-objective methods use). A given
  point may cut the front (issue 22 point 7): the hypervolume counts only the part of the front
  that dominates it, as BoTorch, pymoo and Optuna do, and the reports name the front jobs that
  lie outside (``ParetoFront.outside``), which add nothing.
"""

from __future__ import annotations

import dataclasses
from typing import Sequence

import numpy as np

from hyperpower.config import ExperimentConfig
from hyperpower.errors import ConfigError
from hyperpower.feasibility import at_top_fidelity, feasibility, is_number
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.pareto import (REFERENCE_PADDING, default_reference, hypervolume, inside_reference,
                                       pareto_ranks)
from hyperpower.units import format_value

#: the default reference rule, as reports state it
REFERENCE_RULE = (f"each objective's worst feasible value plus {100 * REFERENCE_PADDING:g}% of its range "
                  f"(of its magnitude when all values are equal)")


def objective_names(config: ExperimentConfig) -> list[str]:
    """The minimized objectives (task names, keys of ``Job.values``) in order, the primary first."""
    return [task.name for task in config.objective_tasks]


def has_several_objectives(config: ExperimentConfig) -> bool:
    return len(config.objective_tasks) > 1


def objective_vector(job: Job, config: ExperimentConfig) -> np.ndarray | None:
    """The job's objective values in order; None when one is missing or not finite."""
    values = [job.values.get(name) for name in objective_names(config)]
    if not all(is_number(v) for v in values):
        return None
    return np.array(values, dtype=float)


def is_front_candidate(job: Job, config: ExperimentConfig) -> bool:
    """COMPLETE, known to keep every budget, every objective finite: the jobs that are ranked."""
    return job.status is JobStatus.COMPLETE and feasibility(job, config) is True \
        and objective_vector(job, config) is not None


def front_candidates(jobs: Sequence[Job], config: ExperimentConfig) -> list[Job]:
    """The candidates at the highest fidelity reached (the rule ``best`` follows too)."""
    return at_top_fidelity([job for job in jobs if is_front_candidate(job, config)])


def candidate_values(candidates: Sequence[Job], config: ExperimentConfig) -> np.ndarray:
    """(n, m) objective values of ``candidates``."""
    return np.array([objective_vector(job, config) for job in candidates], dtype=float).reshape(
        len(candidates), len(objective_names(config)))


def pareto_ranks_by_id(jobs: Sequence[Job], config: ExperimentConfig) -> dict[int, int | None]:
    """job id -> non-dominated sorting rank among the candidates (0: on the front); None for a job
    that is not a candidate (infeasible, invalid, broken, skipped or unfinished)."""
    ranks: dict[int, int | None] = {job.id: None for job in jobs}
    candidates = front_candidates(jobs, config)
    if candidates:
        for job, rank in zip(candidates, pareto_ranks(candidate_values(candidates, config))):
            ranks[job.id] = int(rank)
    return ranks


def front_jobs(jobs: Sequence[Job], config: ExperimentConfig) -> list[Job]:
    """The feasible non-dominated jobs, ordered by the first objective (then the next, then id)."""
    ranks = pareto_ranks_by_id(jobs, config)
    front = [job for job in jobs if ranks[job.id] == 0]
    return sorted(front, key=lambda job: (*objective_vector(job, config), job.id))


def check_reference_names(reference: dict[str, float], config: ExperimentConfig, flag: str) -> None:
    """Every name a reference gives is an objective of the experiment."""
    names = objective_names(config)
    for name, value in reference.items():
        if name not in names:
            raise ConfigError(f"{flag} {name}={value:g}: {name!r} is not an objective of experiment {config.name} "
                              f"(objectives: {', '.join(names)}); a reference point gives a value per objective")


@dataclasses.dataclass(frozen=True)
class ParetoFront:
    """What ``pareto`` reports: the objectives, the reference point (and where each value came
    from: ``given``, ``run`` or ``default``), the hypervolume and the front's jobs; ``outside``:
    the front jobs (by id) not strictly better than the reference in every objective, which add
    no volume (none under the default rule)."""

    objectives: list[str]
    reference: dict[str, float]
    reference_sources: dict[str, str]
    hypervolume: float
    jobs: list[Job]
    outside: list[Job] = dataclasses.field(default_factory=list)

    def reference_array(self) -> np.ndarray:
        return np.array([self.reference[name] for name in self.objectives], dtype=float)


def resolve_reference(jobs: Sequence[Job], config: ExperimentConfig,
                      given: dict[str, float] | None = None, flag: str = "--reference") -> tuple[dict[str, float], dict[str, str]]:
    """The reference point: ``given`` values, then the run's fixed reference, then the default
    rule over the front candidates; and each value's source. ConfigError for an unknown name; a
    value inside the front's range is a reference point like any other (``ParetoFront.outside``)."""
    given = dict(given or {})
    check_reference_names(given, config, flag)
    names = objective_names(config)
    candidates = front_candidates(jobs, config)
    default = default_reference(candidate_values(candidates, config)) if candidates else None
    reference, sources = {}, {}
    for index, name in enumerate(names):
        if name in given:
            reference[name], sources[name] = float(given[name]), "given"
        elif name in config.settings.objectives.reference:
            reference[name], sources[name] = float(config.settings.objectives.reference[name]), "run"
        elif default is not None:
            reference[name], sources[name] = float(default[index]), "default"
    return reference, sources


def pareto_front(jobs: Sequence[Job], config: ExperimentConfig, given: dict[str, float] | None = None) -> ParetoFront:
    """The experiment's feasible front and its hypervolume against the resolved reference point
    (0 when there is no candidate yet), and the front jobs outside that point."""
    reference, sources = resolve_reference(jobs, config, given)
    front = front_jobs(jobs, config)
    names = objective_names(config)
    volume, outside = 0.0, []
    if front and len(reference) == len(names):
        values = candidate_values(front, config)
        point = np.array([reference[name] for name in names])
        volume = hypervolume(values, point)
        outside = sorted((job for job, inside in zip(front, inside_reference(values, point)) if not inside),
                         key=lambda job: job.id)
    return ParetoFront(objectives=names, reference=reference, reference_sources=sources, hypervolume=volume,
                       jobs=front, outside=outside)


def hypervolume_history(evaluations: Sequence[Job], config: ExperimentConfig, reference: np.ndarray) -> np.ndarray:
    """(n,) hypervolume of the feasible front of the first k evaluations, k = 1..n, against a
    fixed ``reference`` (the final one, so the curve is comparable along the run)."""
    history = np.zeros(len(evaluations))
    front: list[np.ndarray] = []  # the non-dominated points so far: the same volume as all of them
    volume = 0.0
    for k, job in enumerate(evaluations):
        vector = objective_vector(job, config) if is_front_candidate(job, config) else None
        if vector is not None and not any(np.all(point <= vector) for point in front):
            front = [point for point in front if not np.all(vector <= point)] + [vector]
            volume = hypervolume(np.array(front), reference)  # only when the front changed
        history[k] = volume
    return history


def front_json(front: ParetoFront) -> dict:
    """``{"objectives", "reference", "hypervolume", "outside_reference", "front": [{"id",
    "values", "params"}]}``, the values as ``export`` gives them (every measured value, NaN as
    null); ``outside_reference``: ids of the front jobs the reference point leaves out."""
    return {
        "objectives": list(front.objectives),
        "reference": dict(front.reference),
        "hypervolume": front.hypervolume,
        "outside_reference": [job.id for job in front.outside],
        "front": [{"id": job.id, "values": job.export_dict()["values"], "params": dict(job.params)} for job in front.jobs],
    }


def front_summary_line(front: ParetoFront) -> str:
    """``front: 4 job(s) (3, 7, 9, 12) | hypervolume 12.5 against error=0.9, memory=310 MB (default rule)``."""
    ids = ", ".join(str(job.id) for job in front.jobs)
    epochs = front.jobs[0].epochs if front.jobs else None  # a scheduler's: the top rung reached
    fidelity = f" (at {epochs} epoch{'' if epochs == 1 else 's'}, the top rung reached)" if epochs is not None else ""
    sources = set(front.reference_sources.values())
    rule = "default rule" if sources == {"default"} else "given" if sources <= {"given", "run"} else "partly default rule"
    reference = ", ".join(f"{name}={format_value(name, value)}" for name, value in front.reference.items())
    line = (f"front{fidelity}: {len(front.jobs)} job(s) ({ids}) | hypervolume {front.hypervolume:.6g} against "
            f"{reference or '-'} ({rule})")
    return line + (f" | {outside_text(front)}" if front.outside else "")


def outside_text(front: ParetoFront) -> str:
    """``2 of 5 front job(s) (3, 9) lie outside the reference point and add nothing``."""
    ids = ", ".join(str(job.id) for job in front.outside)
    return (f"{len(front.outside)} of {len(front.jobs)} front job(s) ({ids}) lie outside the reference point "
            f"(not better than it in every objective) and add nothing")
