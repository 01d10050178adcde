"""NaN is a hidden constraint (issue 11, point 3): a NaN result is an invalid, infeasible, COMPLETE
job that the optimizer learns to avoid; only crashes count as broken."""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from hyperpower.config import load_config
from hyperpower.experiment import resolve_experiment
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.job_process import evaluate
from hyperpower.feasibility import measured_feasibility, objective_problem
from hyperpower.optimize import Optimizer
from hyperpower.optimize.ensemble import MCMCSettings
from hyperpower.store import open_store

#: Branin restricted by Spearmint CONSTRAINT tasks y >= x and y <= 10, NaN outside 0 <= x <= 5, y <= 5
BRANIN_NAN_MAIN = """
    import math

    def main(job_id, params):
        x, y = float(params["x"][0]), float(params["y"][0])
        if not (0.0 <= x <= 5.0 and y <= 5.0):
            return math.nan
        value = (y - 5.1 / (4 * math.pi ** 2) * x ** 2 + 5 / math.pi * x - 6) ** 2 \\
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10
        return {"branin": value, "y_ge_x": y - x, "y_le_10": 10.0 - y}
    """
BRANIN_NAN_OPTIMUM = 0.8447  # at (2.945, 2.945), on the y >= x boundary
#: cheaper than the default MCMC (10 samples, 100 burn-in sweeps) so 50 evaluations fit in CI
TEST_MCMC = MCMCSettings(samples=4, thinning=1, burn_in=30)


def spearmint_folder(root: Path, main: str, tasks: dict, variables: dict) -> Path:
    folder = root / "nan_experiment"
    folder.mkdir()
    (folder / "branin_nan.py").write_text(textwrap.dedent(main))
    (folder / "config.json").write_text(json.dumps({
        "experiment-name": "nan_experiment", "language": "PYTHON", "main-file": "branin_nan",
        "variables": variables, "tasks": tasks}))
    return folder


def branin_nan_folder(root: Path) -> Path:
    return spearmint_folder(root, BRANIN_NAN_MAIN, {
        "branin": {"type": "OBJECTIVE", "likelihood": "NOISELESS"},
        "y_ge_x": {"type": "CONSTRAINT", "likelihood": "NOISELESS"},
        "y_le_10": {"type": "CONSTRAINT", "likelihood": "NOISELESS"},
    }, {"x": {"type": "FLOAT", "size": 1, "min": -5, "max": 10}, "y": {"type": "FLOAT", "size": 1, "min": 0, "max": 15}})


def optimize_branin_nan(folder: Path, seed: int, evaluations: int) -> list[Job]:
    """The real optimizer on the folder, each job's main-file called and its outcome classified
    exactly as the executor records it (``outcome``), without a process per job."""
    paths = resolve_experiment(folder)
    config = load_config(paths.config)
    optimizer = Optimizer(config, {}, np.random.default_rng(seed), mcmc=TEST_MCMC)
    jobs: list[Job] = []
    for index in range(1, evaluations + 1):
        raw = optimizer.suggest(jobs)[0].raw_params
        job = Job(id=index, experiment=config.name, raw_params=raw, params=config.space.network_params(raw))
        values = evaluate(paths, config, job)["values"]
        assert objective_problem(config, values) is None, (raw, values)  # NaN is a result, not a crash
        job.status, job.values, job.feasible = JobStatus.COMPLETE, values, measured_feasibility(config, values)
        jobs.append(job)
    return jobs


def test_branin_with_a_nan_region_reaches_5_percent_of_the_optimum_in_50_evaluations(tmp_path: Path) -> None:
    """One seed to stay well under 2 minutes in CI; seeds 0-5 all reached <= 0.847 (0.3 %)."""
    jobs = optimize_branin_nan(branin_nan_folder(tmp_path), 0, 50)
    invalid = [j for j in jobs if math.isnan(j.values["branin"])]
    assert invalid and all(j.feasible is False for j in invalid)
    best = min(j.values["branin"] for j in jobs if j.feasible)
    assert best <= 1.05 * BRANIN_NAN_OPTIMUM, f"best feasible {best:.4f} after 50 evaluations"
    # Not asserted: how often late suggestions still return NaN. Seeds 0-2 gave 15-19 of the last
    # 25 (uniform random: 22); once the optimum is pinned EI is ~0 there, and unexplored corners
    # keep Pr(valid) ~0.1-0.2 (see the report in benchmarks/optimizer/RESULTS.md, branin-nan).


def test_a_run_of_nan_results_is_not_stopped_as_broken_and_says_invalid(tmp_path: Path, run_cli) -> None:
    """Ten NaN results in a row: the crash guard (8 broken in a row) must not stop the run."""
    folder = spearmint_folder(tmp_path, """
        import math
        def main(job_id, params):
            return math.nan
        """, {"branin": {"type": "OBJECTIVE"}}, {"x": {"type": "FLOAT", "size": 1, "min": 0, "max": 1}})
    result = run_cli("run", str(folder), "--max-evals", "10", "--method", "rand")
    with open_store(f"sqlite:///{folder / 'hyperpower.sqlite'}") as store:
        jobs = store.list_jobs("nan_experiment")
    assert len(jobs) == 10
    assert all(j.status is JobStatus.COMPLETE and j.feasible is False and math.isnan(j.values["branin"]) for j in jobs)
    assert result.stdout.count("] invalid (NaN)") == 10, result.stdout  # one progress line per job
    assert "10 complete (10 of them invalid: NaN result), 0 broken" in result.stdout
    exported = json.loads(run_cli("export", str(folder), "--format", "json").stdout)
    assert exported[0]["values"]["branin"] is None and exported[0]["status"] == "complete"


def test_outcome_rules_nan_is_infeasible_missing_or_infinite_is_broken(tmp_path: Path) -> None:
    config = load_config(resolve_experiment(branin_nan_folder(tmp_path)).config)
    nan = {"branin": math.nan}
    assert objective_problem(config, nan) is None and measured_feasibility(config, nan) is False
    # NaN wins over constraint values that would be satisfied
    assert measured_feasibility(config, {"branin": math.nan, "y_ge_x": 1.0, "y_le_10": 1.0}) is False
    assert "inf" in objective_problem(config, {"branin": math.inf})
    assert "missing" in objective_problem(config, {"y_ge_x": 1.0})
    assert measured_feasibility(config, {"branin": 1.0, "y_ge_x": 1.0, "y_le_10": 1.0}) is True
