"""The numbers behind the figures: running best, violation counts, RMSPE, budgets, time axes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hyperpower.config import ExperimentConfig, Task
from hyperpower.settings.section import HyperPowerSettings
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_data as data
from hyperpower.report import summary
from hyperpower.space import SearchSpace, Variable


def make_config(budgets: dict[str, float] | None = None, spearmint_constraint: str | None = None) -> ExperimentConfig:
    budgets = {"power": 90.0, "memory": 1250.0} if budgets is None else budgets
    tasks = {"error": Task("error")}
    tasks.update({metric: Task(metric, "CONSTRAINT", "NOISELESS", limit) for metric, limit in budgets.items()})
    if spearmint_constraint:
        tasks[spearmint_constraint] = Task(spearmint_constraint, "CONSTRAINT")
    return ExperimentConfig("toy", SearchSpace([Variable("units", "INT", 8, 64)]), tasks,
                            HyperPowerSettings.from_section({"budgets": dict(budgets)}))


def job(job_id: int, status: JobStatus = JobStatus.COMPLETE, end: float | None = None, **fields) -> Job:
    end = float(job_id) if end is None else end
    return Job(id=job_id, experiment="toy", status=status, start_time=end - 0.5, end_time=end, **fields)


def test_running_best_counts_only_complete_feasible_jobs():
    evaluations = [
        job(1, values={"error": 0.30}, feasible=True),
        job(2, values={"error": 0.10}, feasible=False),  # better, but breaks a budget
        job(3, JobStatus.BROKEN),
        job(4, values={"error": 0.25}, feasible=True),
        job(5, values={"error": float("nan")}, feasible=True),
    ]
    curve = data.running_best(evaluations, make_config())
    np.testing.assert_allclose(curve, [0.30, 0.30, 0.30, 0.25, 0.25])


def test_running_best_is_nan_until_a_feasible_job():
    evaluations = [job(1, values={"error": 0.1}, feasible=False), job(2, values={"error": 0.4}, feasible=True)]
    curve = data.running_best(evaluations, make_config())
    assert math.isnan(curve[0]) and curve[1] == pytest.approx(0.4)


def test_evaluated_jobs_are_ordered_by_end_time_and_exclude_unrun_jobs():
    jobs = [job(1, end=30.0), job(2, JobStatus.BROKEN, end=10.0), job(3, JobStatus.SKIPPED, end=None),
            Job(id=4, experiment="toy", status=JobStatus.PENDING), job(5, end=20.0)]
    jobs[2].end_time = None
    assert [j.id for j in data.evaluated_jobs(jobs)] == [2, 5, 1]


def test_cumulative_violations_measured_and_predicted():
    config = make_config()
    evaluations = [
        job(1, values={"power": 80.0}, predicted={"power": 95.0}, feasible=True),   # predicted only
        job(2, values={"power": 100.0}, predicted={"power": 85.0}, feasible=False),  # measured only
        job(3, JobStatus.BROKEN, values={"memory": 2000.0}),                          # measured before failing
        job(4, values={"power": 70.0}, predicted={"memory": 1300.0}, feasible=True),
    ]
    measured, predicted = data.cumulative_violations(evaluations, config)
    assert measured.tolist() == [0, 1, 2, 2]
    assert predicted.tolist() == [1, 1, 1, 2]
    # The figure's last point is the count ``status`` prints.
    totals = summary.count_violations(evaluations, config)
    assert (measured[-1], predicted[-1]) == (totals.measured, totals.predicted)


def test_rmspe_matches_the_paper_definition():
    assert data.rmspe(np.array([100.0, 50.0]), np.array([110.0, 45.0])) == pytest.approx(0.1)
    assert data.rmspe(np.array([100.0, 0.0]), np.array([120.0, 3.0])) == pytest.approx(0.2)  # 0 left out
    assert math.isnan(data.rmspe(np.array([0.0]), np.array([1.0])))


def test_prediction_pairs_keep_jobs_with_both_values():
    jobs = [job(1, values={"power": 80.0}, predicted={"power": 88.0}), job(2, values={"power": 70.0}),
            job(3, JobStatus.SKIPPED, predicted={"power": 150.0}), job(4, values={"power": float("inf")},
                                                                       predicted={"power": 1.0})]
    measured, predicted = data.prediction_pairs(jobs, "power")
    assert measured.tolist() == [80.0] and predicted.tolist() == [88.0]


def test_budgets_cover_hardware_budgets_and_spearmint_constraints():
    config = make_config({"power": 90.0, "latency": 5.0}, spearmint_constraint="c1")
    budgets = data.budgets_of(config)
    assert set(budgets) == {"power", "latency", "c1"}
    assert budgets["power"].is_upper_limit and budgets["power"].limit == 90.0
    assert budgets["power"].label == "budget 90 W" and budgets["latency"].label == "budget 5 ms"
    assert not budgets["c1"].is_upper_limit and budgets["c1"].limit == 0.0
    assert budgets["c1"].label == "feasible when >= 0"


def test_spearmint_constraint_violations_are_measured_never_predicted():
    config = make_config({}, spearmint_constraint="c1")
    evaluations = [job(1, values={"c1": -0.5}, predicted={"c1": -1.0}), job(2, values={"c1": 0.0})]
    measured, predicted = data.cumulative_violations(evaluations, config)
    assert measured.tolist() == [1, 1] and predicted.tolist() == [0, 0]


def test_measured_metrics_lists_budget_then_hardware_metrics_that_were_measured():
    config = make_config({"memory": 1250.0})
    jobs = [job(1, values={"error": 0.2, "memory": 900.0, "latency": 2.0}),
            job(2, JobStatus.BROKEN, values={"power": 50.0})]  # broken: not shown against the objective
    assert data.measured_metrics(jobs, config) == ["memory", "latency"]


def test_metric_labels_name_units():
    assert data.metric_label("power") == "power (W)"
    assert data.metric_label("memory") == "memory (MB)"
    assert data.metric_label("latency") == "latency (ms)"
    assert data.metric_label("error") == "error (fraction, 1 - accuracy)"  # no config: no split claimed
    assert data.metric_label("c1") == "c1"


def test_error_labels_name_the_runs_split():
    config = make_config({})
    assert (config.main_file, config.settings.objectives.split) == ("hyperpower.py", "validation")
    assert data.metric_label("error", config) == "validation error (fraction, 1 - accuracy)"
    assert data.metric_label("test_error", config) == "test error (fraction, 1 - accuracy)"
    config.settings.objectives.split = "test"
    assert data.metric_name("error", config) == "test error"
    config.main_file = "branin"  # a plain Spearmint main-file: its error task's split is unknown
    assert data.metric_name("error", config) == "error" and data.metric_label("power", config) == "power (W)"


def test_elapsed_times_and_time_axis_scale():
    jobs = [Job(id=1, experiment="toy", submit_time=100.0, start_time=105.0, end_time=160.0),
            Job(id=2, experiment="toy", start_time=160.0, end_time=None)]
    times = data.elapsed_times(jobs)
    assert times[0] == pytest.approx(55.0) and math.isnan(times[1])  # from the start, not the submit
    unstarted = [Job(id=1, experiment="toy", submit_time=100.0, end_time=130.0)]
    assert data.elapsed_times(unstarted)[0] == pytest.approx(30.0)
    assert data.time_axis_scale(90.0) == (1.0, "s")
    assert data.time_axis_scale(600.0) == (60.0, "min")
    assert data.time_axis_scale(10_000.0) == (3600.0, "h")
