"""The status table and summary lines, on a store filled through the real store API."""

from __future__ import annotations

from hyperpower.report.table import format_param, format_table, jobs_table, summary_lines
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
    assert lines[3] == "violations: 1 job(s) broke a budget when measured, 1 job(s) were predicted to"


def test_format_table_pads_columns_to_the_widest_cell() -> None:
    text = format_table(["a", "bb"], [["xxx", "y"], ["z", "wwww"]])
    assert text.splitlines() == ["a    bb", "---  ----", "xxx  y", "z    wwww"]


def test_format_param_keeps_four_significant_digits() -> None:
    assert format_param(0.000123456) == "0.0001235"
    assert format_param(64) == "64"
    assert format_param([0.5, 2]) == "[0.5,2]"
