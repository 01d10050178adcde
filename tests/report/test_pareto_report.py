"""report.pareto against brute force on random point sets (2 and 3 objectives): the front holds
feasible complete jobs with every objective only, ranks, the default reference rule, the
hypervolume and its history; export's pareto_rank."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from hyperpower.config import config_from_json
from hyperpower.errors import ConfigError
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import pareto
from hyperpower.report.export import export_jobs
from pareto_brute_force import brute_front, brute_hypervolume, worst_plus_tenth


def _config(objectives: list[str], reference: dict | None = None):
    tasks = {name: {"type": "OBJECTIVE"} for name in objectives}
    tasks["c"] = {"type": "CONSTRAINT"}
    return config_from_json({"experiment-name": "e", "variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
                             "tasks": tasks, "hyperpower": {"method": "rand", "reference": reference or {}}})


def _random_jobs(rng: np.random.Generator, objectives: list[str], count: int) -> list[Job]:
    """Complete jobs, some infeasible (c < 0), some invalid (NaN), some broken or pending."""
    jobs = []
    for index in range(count):
        values = {name: float(rng.integers(0, 6)) / 5 + float(rng.random()) * 0.01 for name in objectives}
        values["c"] = float(rng.choice([1.0, 1.0, 1.0, -1.0]))
        status = JobStatus.COMPLETE
        kind = rng.integers(0, 10)
        if kind == 0:
            values[objectives[-1]] = math.nan
        elif kind == 1:
            status, values = JobStatus.BROKEN, {}
        elif kind == 2:
            status, values = JobStatus.PENDING, {}
        feasible = None if status is not JobStatus.COMPLETE else (values["c"] >= 0 and
                                                                    not any(math.isnan(values[n]) for n in objectives))
        jobs.append(Job(id=index + 1, experiment="e", status=status, params={"x": 0.1}, values=values,
                        feasible=feasible, end_time=float(index)))
    return jobs


def _candidates(jobs: list[Job], objectives: list[str]) -> list[Job]:
    return [j for j in jobs if j.status is JobStatus.COMPLETE and j.values["c"] >= 0
            and all(math.isfinite(j.values[n]) for n in objectives)]


@pytest.mark.parametrize("objectives", [["f1", "f2"], ["f1", "f2", "f3"]])
@pytest.mark.parametrize("seed", range(6))
def test_front_reference_and_hypervolume_match_brute_force(objectives: list[str], seed: int) -> None:
    config = _config(objectives)
    jobs = _random_jobs(np.random.default_rng(seed), objectives, 25)
    candidates = _candidates(jobs, objectives)
    values = np.array([[j.values[n] for n in objectives] for j in candidates])
    front = pareto.pareto_front(jobs, config)
    assert sorted(j.id for j in front.jobs) == sorted(candidates[i].id for i in brute_front(values))
    reference = worst_plus_tenth(values)
    assert np.allclose(front.reference_array(), reference) and set(front.reference_sources.values()) == {"default"}
    assert front.hypervolume == pytest.approx(brute_hypervolume(values, reference), rel=1e-9)
    ranks = pareto.pareto_ranks_by_id(jobs, config)
    assert {j.id for j in jobs if ranks[j.id] is not None} == {j.id for j in candidates}
    for job in candidates:  # rank k: dominated only by jobs of lower ranks, by one of rank k - 1
        mine = np.array([job.values[n] for n in objectives])
        dominators = [ranks[o.id] for o in candidates
                      if np.all(np.array([o.values[n] for n in objectives]) <= mine)
                      and np.any(np.array([o.values[n] for n in objectives]) < mine)]
        assert (ranks[job.id] == 0) == (not dominators)
        if dominators:
            assert max(dominators) == ranks[job.id] - 1
    ordered = sorted(jobs, key=lambda j: j.id)
    history = pareto.hypervolume_history(ordered, config, front.reference_array())
    assert np.all(np.diff(history) >= 0) and history[-1] == pytest.approx(front.hypervolume)
    for k in range(len(ordered)):  # every prefix: the brute-force volume of its candidates
        prefix = _candidates(ordered[: k + 1], objectives)
        expected = brute_hypervolume(np.array([[j.values[n] for n in objectives] for j in prefix]),
                                     front.reference_array()) if prefix else 0.0
        assert history[k] == pytest.approx(expected, rel=1e-9, abs=1e-12)


def test_given_and_run_references_a_cut_front_and_a_refusal() -> None:
    jobs = [Job(id=i + 1, experiment="e", status=JobStatus.COMPLETE, values={"f1": a, "f2": b, "c": 1.0}, feasible=True)
            for i, (a, b) in enumerate([(0.1, 0.9), (0.5, 0.5), (0.9, 0.1), (0.95, 0.95)])]
    config = _config(["f1", "f2"], reference={"f1": 3.0, "f2": 2.0})
    front = pareto.pareto_front(jobs, config, {"f1": 1.0})
    assert front.reference == {"f1": 1.0, "f2": 2.0}
    assert front.reference_sources == {"f1": "given", "f2": "run"}
    assert front.hypervolume == pytest.approx(brute_hypervolume(np.array([[0.1, 0.9], [0.5, 0.5], [0.9, 0.1]]),
                                                                np.array([1.0, 2.0])))
    cut = pareto.pareto_front(jobs, config, {"f1": 0.9})  # job 3 has f1 = 0.9: on the reference, outside
    assert [job.id for job in cut.jobs] == [1, 2, 3] and [job.id for job in cut.outside] == [3]
    assert cut.hypervolume == pytest.approx(brute_hypervolume(np.array([[0.1, 0.9], [0.5, 0.5]]), np.array([0.9, 2.0])))
    assert "1 of 3 front job(s) (3) lie outside the reference point" in pareto.front_summary_line(cut)
    assert front.outside == [] and "outside" not in pareto.front_summary_line(front)
    with pytest.raises(ConfigError, match="'power' is not an objective of experiment e"):
        pareto.pareto_front(jobs, config, {"power": 9.0})


def test_export_ranks_feasible_jobs_and_leaves_the_others_null() -> None:
    config = _config(["f1", "f2"])
    jobs = [Job(id=1, experiment="e", status=JobStatus.COMPLETE, values={"f1": 0.1, "f2": 0.9, "c": 1.0}, feasible=True),
            Job(id=2, experiment="e", status=JobStatus.COMPLETE, values={"f1": 0.5, "f2": 0.95, "c": 1.0}, feasible=True),
            Job(id=3, experiment="e", status=JobStatus.COMPLETE, values={"f1": 0.0, "f2": 0.0, "c": -1.0}, feasible=False),
            Job(id=4, experiment="e", status=JobStatus.COMPLETE, values={"f1": 0.0, "f2": math.nan, "c": 1.0},
                feasible=False),
            Job(id=5, experiment="e", status=JobStatus.BROKEN)]
    ranks = pareto.pareto_ranks_by_id(jobs, config)
    records = json.loads(export_jobs(jobs, "json", pareto_ranks=ranks))
    assert [r["pareto_rank"] for r in records] == [0, 1, None, None, None]
    assert list(records[0])[list(records[0]).index("feasible") + 1] == "pareto_rank"
    rows = list(csv.DictReader(io.StringIO(export_jobs(jobs, "csv", pareto_ranks=ranks))))
    assert [row["pareto_rank"] for row in rows] == ["0", "1", "", "", ""]
