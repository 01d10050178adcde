"""The status table and summary lines, on a store filled through the real store API."""

from __future__ import annotations

import math

from hyperpower.jobs import Job, JobStatus
from hyperpower.report.table import (format_param, format_table, job_columns, job_row, jobs_table, summary_lines,
                                     time_line)
from hyperpower.store import open_store


def _jobs(experiment):
    with open_store(experiment.store_uri) as store:
        return store.list_jobs(experiment.config.name)


def test_table_has_one_row_per_job_with_measured_and_predicted_values(filled_experiment) -> None:
    lines = jobs_table(_jobs(filled_experiment), filled_experiment.config).splitlines()
    header = lines[0].split()
    assert header[:6] == ["id", "status", "method", "error", "power", "memory"]
    assert header[-5:] == ["feasible", "early", "duration", "params", "reason"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert sorted(rows, key=int) == ["1", "2", "3", "4", "5", "6"]
    assert "80 W (pred 85 W)" in rows["1"] and "150 MB (pred 140 MB)" in rows["1"]
    assert " NO " in rows["2"]
    assert "RuntimeError: exploding network" in rows["4"] and "log tail" not in rows["4"]
    assert rows["5"].split()[1] == "running" and rows["6"].split()[1] == "pending"
    assert "conv1_filters=8" in rows["1"] and "activation=relu" in rows["1"]


def test_summary_lines_give_counts_best_and_violations(filled_experiment) -> None:
    lines = summary_lines(_jobs(filled_experiment), filled_experiment.config)
    assert lines[0] == "minimize error | budgets: power <= 90 W, memory <= 200 MB | method hw-ieci (aware)"
    assert lines[1] == "jobs: 6 (pending 1, running 1, complete 3, broken 1, skipped 0)"
    # job 2 has the lowest error but broke the memory budget; job 3 stopped early at 0.04
    assert lines[2].startswith("best so far: job 3 error=0.04 |")
    assert lines[3] == "violations: 1 job(s) broke a budget when measured; 1 job(s) were predicted to break one"
    assert lines[4].startswith("time: ") and "4 job(s)" in lines[4] and "in 1 stopped early" in lines[4]


def test_jobs_of_unknown_feasibility_and_nan_results_are_shown_apart(filled_experiment) -> None:
    config = filled_experiment.config  # budgets power <= 90 W, memory <= 200 MB
    unknown = Job(id=7, experiment="digits", status=JobStatus.COMPLETE, values={"error": 0.001, "memory": 120.0})
    nan = Job(id=8, experiment="digits", status=JobStatus.COMPLETE, values={"error": math.nan, "power": 50.0,
                                                                             "memory": 100.0}, feasible=False)
    jobs = _jobs(filled_experiment) + [unknown, nan]
    lines = summary_lines(jobs, config)
    assert lines[2].startswith("best so far: job 3 error=0.04")  # not job 7 (0.001), whose power nobody knows
    assert lines[4] == ("feasibility unknown: 1 complete job(s) with a budget metric neither measured nor predicted, "
                        "never counted as best: job 7 (power)")
    columns = job_columns(config)
    rows = {job.id: dict(zip(columns, job_row(job, config))) for job in jobs}
    assert [rows[7][c] for c in ("error", "power", "memory", "feasible")] == ["0.001", "-", "120 MB", "unknown"]
    assert [rows[8][c] for c in ("error", "power", "feasible")] == ["NaN", "50 W", "NO"]
    assert rows[4]["feasible"] == "-" and rows[4]["reason"] == "RuntimeError: exploding network"
    assert rows[1]["feasible"] == "yes" and rows[1]["duration"].endswith(" s")
    assert "unknown" in jobs_table(jobs, config)


def test_time_line_splits_training_time_by_outcome() -> None:
    def job(job_id: int, status: JobStatus, seconds: float | None, early: bool = False) -> Job:
        start = None if seconds is None else 1000.0
        end = None if seconds is None else 1000.0 + seconds
        return Job(id=job_id, experiment="x", status=status, start_time=start, end_time=end, early_terminated=early)

    jobs = [job(1, JobStatus.COMPLETE, 10.0), job(2, JobStatus.COMPLETE, 2.5, early=True),
            job(3, JobStatus.BROKEN, 1.0), job(4, JobStatus.SKIPPED, None), job(5, JobStatus.SKIPPED, None),
            job(6, JobStatus.RUNNING, None)]
    assert time_line(jobs) == ("time: 13.5 s training 3 job(s) (complete 12.5 s, of which 2.5 s in 1 stopped "
                               "early; broken 1.0 s); 2 suggestion(s) skipped before training")


def test_format_table_pads_columns_to_the_widest_cell() -> None:
    text = format_table(["a", "bb"], [["xxx", "y"], ["z", "wwww"]])
    assert text.splitlines() == ["a    bb", "---  ----", "xxx  y", "z    wwww"]


def test_format_param_keeps_four_significant_digits() -> None:
    assert format_param(0.000123456) == "0.0001235"
    assert format_param(64) == "64"
    assert format_param([0.5, 2]) == "[0.5,2]"


def test_status_reports_the_measured_violation_rate_among_jobs_predicted_feasible(filled_experiment) -> None:
    """Job 1 predicted 140 MB and measured 150 MB; job 2 predicted 190 MB and measured 250 MB;
    job 3 was predicted over the budget (210 MB) and does not count; power: job 1 only."""
    config = filled_experiment.config
    lines = summary_lines(_jobs(filled_experiment), config)
    assert lines[-2:] == [
        "power: 0 of 1 job(s) predicted under 90 W measured over it (0.0%; no rate requested "
        "(--violation-rate A calibrates the budgets))",
        "memory: 1 of 2 job(s) predicted under 200 MB measured over it (50.0%; no rate requested "
        "(--violation-rate A calibrates the budgets))"]
    config.settings.budgets.violation_rate = 0.05
    assert summary_lines(_jobs(filled_experiment), config)[-1].endswith("(50.0%; requested at most 5%)")
