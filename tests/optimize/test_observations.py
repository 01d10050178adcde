"""Jobs are sorted into observations, fantasies and failures by the documented rules."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.errors import ConfigError
from hyperpower.jobs import Job, JobStatus
from hyperpower.optimize.observations import ConstraintRule, collect_observations
from hyperpower.space import SearchSpace, Variable

SPACE = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0)])
RULES = [ConstraintRule("power", 90.0, True), ConstraintRule("c1", 0.0, False)]


def job(index: int, status: JobStatus, x: float, feasible: bool | None = None, **values: float) -> Job:
    return Job(id=index, experiment="e", status=status, raw_params={"x": x}, values=values, feasible=feasible)


def test_jobs_are_sorted_by_status_and_finiteness() -> None:
    jobs = [
        job(1, JobStatus.COMPLETE, 0.1, True, error=0.5, power=80.0, c1=1.0),
        job(2, JobStatus.COMPLETE, 0.2, False, error=0.2, power=95.0, c1=1.0),
        job(3, JobStatus.COMPLETE, 0.3, None, error=math.nan, power=70.0),
        job(4, JobStatus.BROKEN, 0.4),
        job(5, JobStatus.PENDING, 0.5),
        job(6, JobStatus.RUNNING, 0.6),
        job(7, JobStatus.SKIPPED, 0.7, power=120.0),
    ]
    observed = collect_observations(jobs, SPACE, "error", RULES)
    np.testing.assert_allclose(observed.points[:, 0], [0.1, 0.2])
    np.testing.assert_allclose(observed.objective, [0.5, 0.2])
    np.testing.assert_array_equal(observed.feasible, [True, False])
    np.testing.assert_allclose(observed.failed[:, 0], [0.3, 0.4, 0.7])
    np.testing.assert_allclose(observed.pending[:, 0], [0.5, 0.6])
    assert len(observed.every_point) == 7
    # the NaN-objective job still measured power; a skipped job measured nothing real
    np.testing.assert_allclose(observed.constraints["power"][1], [80.0, 95.0, 70.0])
    np.testing.assert_allclose(observed.constraints["c1"][1], [1.0, 1.0])
    # the best measured-feasible objective is 0.5, not the infeasible 0.2
    assert observed.objective[observed.best_feasible_index()] == 0.5


def test_feasibility_is_computed_from_values_when_the_job_does_not_say() -> None:
    jobs = [
        job(1, JobStatus.COMPLETE, 0.1, None, error=0.1, power=95.0),
        job(2, JobStatus.COMPLETE, 0.2, None, error=0.3, power=85.0, c1=-1.0),
        job(3, JobStatus.COMPLETE, 0.3, None, error=0.4, power=85.0, c1=2.0),
    ]
    observed = collect_observations(jobs, SPACE, "error", RULES)
    np.testing.assert_array_equal(observed.feasible, [False, False, True])
    assert observed.best_feasible_index() == 2


def test_no_feasible_job_gives_no_incumbent() -> None:
    observed = collect_observations([job(1, JobStatus.COMPLETE, 0.1, False, error=0.1)], SPACE, "error", RULES)
    assert observed.best_feasible_index() is None


def test_job_from_another_space_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="job 9"):
        collect_observations([Job(id=9, experiment="e", raw_params={"y": 1})], SPACE, "error", RULES)


def test_complete_jobs_are_validity_observations_and_crashes_are_not() -> None:
    jobs = [
        job(1, JobStatus.COMPLETE, 0.1, True, error=0.5),
        job(2, JobStatus.COMPLETE, 0.2, False, error=math.nan, power=70.0),  # invalid result
        job(3, JobStatus.BROKEN, 0.3),  # a crash says nothing about the configuration
        job(4, JobStatus.RUNNING, 0.4),
        job(5, JobStatus.COMPLETE, 0.5, False, error=math.inf),  # not NaN: not a validity observation
    ]
    observed = collect_observations(jobs, SPACE, "error", RULES)
    points, valid = observed.validity
    np.testing.assert_allclose(points[:, 0], [0.1, 0.2])
    np.testing.assert_array_equal(valid, [True, False])
    assert observed.has_invalid()
    assert not collect_observations(jobs[:1], SPACE, "error", RULES).has_invalid()


def test_several_objectives_are_observed_together_and_nan_in_one_makes_the_job_invalid() -> None:
    jobs = [
        job(1, JobStatus.COMPLETE, 0.1, True, error=0.2, power=40.0),
        job(2, JobStatus.COMPLETE, 0.5, True, error=0.3, power=float("nan")),
        job(3, JobStatus.COMPLETE, 0.9, True, error=0.1),
    ]
    observed = collect_observations(jobs, SPACE, ["error", "power"], [])
    assert observed.objective_names == ("error", "power")
    assert observed.objectives.tolist() == [[0.2, 40.0]]
    assert observed.objective.tolist() == [0.2]
    assert observed.validity[1].tolist() == [True, False]
    assert len(observed.failed) == 2
