"""Best feasible job, counts by status and violations: the definitions every report shares."""

from __future__ import annotations

import math

import pytest

from hyperpower.config import ExperimentConfig, Task
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.jobs import Job, JobStatus
from hyperpower.feasibility import feasibility
from hyperpower.report.summary import (
    best_feasible_job,
    count_violations,
    status_counts,
    unknown_feasibility_jobs,
)
from hyperpower.space import SearchSpace, Variable


def _config(budgets: dict[str, float] | None = None, spearmint_constraint: str | None = None) -> ExperimentConfig:
    tasks = {"error": Task("error", "OBJECTIVE")}
    for metric, budget in (budgets or {}).items():
        tasks[metric] = Task(metric, "CONSTRAINT", "NOISELESS", budget)
    if spearmint_constraint:
        tasks[spearmint_constraint] = Task(spearmint_constraint, "CONSTRAINT", "NOISELESS")
    space = SearchSpace([Variable("x", "FLOAT", 0.0, 1.0)])
    return ExperimentConfig("exp", space, tasks, HyperPowerSettings.from_section({"budgets": dict(budgets or {})}))


def _job(job_id: int, error: float | None, status: JobStatus = JobStatus.COMPLETE, feasible: bool | None = True,
         early: bool = False, **values: float) -> Job:
    measured = dict(values)
    if error is not None:
        measured["error"] = error
    return Job(id=job_id, experiment="exp", status=status, values=measured, feasible=feasible, early_terminated=early)


def test_best_is_lowest_objective_among_complete_feasible_jobs() -> None:
    jobs = [_job(1, 0.10), _job(2, 0.01, feasible=False), _job(3, 0.05), _job(4, 0.001, status=JobStatus.BROKEN),
            _job(5, 0.0, status=JobStatus.RUNNING), _job(6, 0.0, status=JobStatus.SKIPPED)]
    assert best_feasible_job(jobs, _config({"power": 90.0})).id == 3


def test_early_terminated_job_competes_with_the_error_it_reached() -> None:
    jobs = [_job(1, 0.10), _job(2, 0.03, early=True)]
    assert best_feasible_job(jobs, _config()).id == 2


def test_unknown_feasibility_counts_when_there_are_no_budgets() -> None:
    assert best_feasible_job([_job(1, 0.2, feasible=None)], _config()).id == 1


def test_a_job_with_a_budget_metric_neither_measured_nor_predicted_is_never_best() -> None:
    config = _config({"power": 90.0, "memory": 200.0})
    unknown = _job(1, 0.01, feasible=None, memory=150.0)          # power: no measurement, no prediction
    by_prediction = _job(2, 0.05, feasible=None, memory=150.0)     # power predicted under the budget
    by_prediction.predicted = {"power": 80.0}
    predicted_over = _job(3, 0.02, feasible=None, memory=150.0)    # power predicted over the budget
    predicted_over.predicted = {"power": 95.0}
    jobs = [unknown, by_prediction, predicted_over]
    assert [feasibility(job, config) for job in jobs] == [None, True, False]
    assert best_feasible_job(jobs, config).id == 2
    assert unknown_feasibility_jobs(jobs, config) == [unknown]
    assert best_feasible_job([unknown], config) is None


def test_a_measurement_outranks_the_prediction_and_the_loops_true_verdict_stands() -> None:
    config = _config({"power": 90.0})
    measured_over = _job(1, 0.1, feasible=None, power=95.0)
    measured_over.predicted = {"power": 80.0}
    assert feasibility(measured_over, config) is False
    assert feasibility(_job(2, 0.1, feasible=True), config) is True  # the loop measured it
    assert feasibility(_job(3, 0.1, feasible=None), _config()) is True  # no budget: nothing to break


def test_a_nan_result_complete_and_infeasible_is_neither_best_nor_an_error() -> None:
    nan_job = _job(1, math.nan, feasible=False)
    assert best_feasible_job([nan_job, _job(2, 0.3)], _config()).id == 2
    assert best_feasible_job([nan_job], _config()) is None


@pytest.mark.parametrize("bad", [math.nan, math.inf, None])
def test_jobs_without_a_finite_objective_are_never_best(bad: float | None) -> None:
    jobs = [_job(1, bad), _job(2, 0.4)]
    assert best_feasible_job(jobs, _config()).id == 2


def test_ties_go_to_the_earliest_job_and_no_candidate_gives_none() -> None:
    assert best_feasible_job([_job(4, 0.1), _job(2, 0.1), _job(3, 0.1)], _config()).id == 2
    assert best_feasible_job([_job(1, 0.1, feasible=False)], _config({"power": 1.0})) is None
    assert best_feasible_job([], _config()) is None


def test_status_counts_lists_every_status() -> None:
    jobs = [_job(1, 0.1), _job(2, 0.1), _job(3, None, status=JobStatus.BROKEN), _job(4, None, status=JobStatus.PENDING)]
    counts = status_counts(jobs)
    assert counts == {JobStatus.PENDING: 1, JobStatus.RUNNING: 0, JobStatus.COMPLETE: 2,
                      JobStatus.BROKEN: 1, JobStatus.SKIPPED: 0}


def test_violations_count_measured_and_predicted_breaks_separately() -> None:
    config = _config({"power": 90.0, "memory": 200.0})
    jobs = [
        _job(1, 0.1, power=80.0, memory=150.0),                     # within both
        _job(2, 0.1, feasible=False, power=95.0, memory=250.0),     # breaks two budgets: one job
        _job(3, 0.1, power=90.0, memory=200.0),                     # exactly at the budget is fine
    ]
    jobs[0].predicted = {"power": 91.0}                              # predicted to break, measured fine
    jobs[2].predicted = {"memory": 199.0}
    skipped = Job(id=4, experiment="exp", status=JobStatus.SKIPPED, predicted={"memory": 300.0})
    violations = count_violations([*jobs, skipped], config)
    assert (violations.measured, violations.predicted) == (1, 2)


def test_spearmint_constraints_are_broken_below_zero() -> None:
    config = _config(spearmint_constraint="budget_left")
    jobs = [_job(1, 0.1, budget_left=-0.5), _job(2, 0.1, budget_left=0.0)]
    assert count_violations(jobs, config).measured == 1


def test_the_reason_of_a_broken_job_is_the_exception_of_its_traceback() -> None:
    traceback_text = ("Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: bad shape\n"
                      "--- log tail ---\nEpoch 1/3\nsomething else")
    job = Job(id=1, experiment="exp", status=JobStatus.BROKEN, error=traceback_text)
    assert job.reason == "ValueError: bad shape"
    job.error = "job timed out after 3 s\n--- log tail ---\n..."
    assert job.reason == "job timed out after 3 s"
    job.error = None
    assert job.reason == ""
