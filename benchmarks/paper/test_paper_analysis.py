"""Checks of the benchmark's own arithmetic (run: .venv/bin/python -m pytest benchmarks/paper -q).

The tables rest on these few functions; each is checked on a hand-computed case.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import analysis  # noqa: E402
import budgets  # noqa: E402
import runs_layout as layout  # noqa: E402


def _result(best: list[float], elapsed: list[float], form: str = "aware", seed: int = 0) -> analysis.RunResult:
    n = len(best)
    return analysis.RunResult(spec=layout.RunSpec("time", "rand", form, seed), best_curve=np.array(best),
                              measured_violations=np.zeros(n, int), predicted_violations=np.zeros(n, int),
                              elapsed_s=np.array(elapsed), broken=0, early_terminated=0, skipped=0)


def test_time_to_error_is_first_time_at_or_below_and_nan_when_never() -> None:
    run = _result([math.nan, 0.5, 0.2, 0.2], [10, 20, 30, 40])
    assert analysis.time_to_error(run, 0.2) == 30
    assert analysis.time_to_error(run, 0.6) == 20
    assert math.isnan(analysis.time_to_error(run, 0.1))


def test_time_to_samples_counts_from_one() -> None:
    run = _result([0.5, 0.4, 0.3], [5, 9, 14])
    assert analysis.time_to_samples(run, 2) == 9
    assert math.isnan(analysis.time_to_samples(run, 4))


def test_pair_speedups_follow_the_paper_definitions() -> None:
    unaware = _result([0.9, 0.3, 0.3], [10, 20, 60], form="unaware")
    aware = _result([0.8, 0.25, 0.2, 0.1, 0.1], [4, 8, 12, 16, 20])
    pair = analysis.pair_runs([unaware, aware])[0]
    assert pair.sample_ratio == 5 / 3
    assert (pair.unaware_time_to_samples, pair.aware_time_to_samples) == (60, 12)
    assert (pair.unaware_time_to_best, pair.aware_time_to_best) == (20, 8)


def test_geometric_mean_ignores_missing_values() -> None:
    assert math.isclose(analysis.geometric_mean([2.0, 8.0, math.nan]), 4.0)
    assert math.isnan(analysis.geometric_mean([math.nan]))


def test_stack_curves_pads_short_runs_with_nan() -> None:
    stacked = analysis.stack_curves([np.array([1.0, 2.0]), np.array([3.0])], 3)
    assert stacked.shape == (2, 3)
    assert stacked[0, 1] == 2.0 and np.isnan(stacked[1, 1]) and np.isnan(stacked[0, 2])


def test_choose_budgets_hits_the_joint_target() -> None:
    rng = np.random.default_rng(3)
    shared = rng.uniform(size=2000)
    predicted = {"memory": shared + 0.1 * rng.uniform(size=2000), "latency": rng.uniform(size=2000)}
    choice = budgets.choose_budgets(predicted, target=0.5)
    assert abs(choice.infeasible_fraction - 0.5) < 0.01
    assert budgets.joint_infeasible(predicted, choice.budgets) == choice.infeasible_fraction
    # two independent metrics: each alone must break less than the joint half
    assert all(fraction < 0.5 for fraction in choice.single_infeasible.values())


def test_paired_outcome_counts_lower_equal_higher_and_nan_as_worse() -> None:
    pairs = [analysis.PairComparison("rand", seed, unaware=_result([u], [1], "unaware", seed),
                                     aware=_result([a], [1], "aware", seed))
             for seed, (a, u) in enumerate([(0.1, 0.2), (0.2, 0.2), (0.3, 0.2), (0.3, math.nan), (math.nan, 0.1)])]
    assert analysis.paired_outcome(pairs) == (2, 1, 2)


def test_durations_by_prediction_splits_jobs_by_their_own_predicted_violation() -> None:
    from hyperpower.jobs import Job

    run = _result([0.5, 0.4, 0.4], [1, 2, 3], "unaware")
    run.predicted_violations = np.array([0, 1, 1])
    run.jobs = [Job(id=i, experiment="e", start_time=0.0, end_time=seconds) for i, seconds in enumerate([3.0, 5.0, 4.0])]
    within, over = analysis.durations_by_prediction([run])
    assert within.tolist() == [3.0, 4.0] and over.tolist() == [5.0]


def test_every_run_selects_on_the_test_split_as_the_paper_does() -> None:
    command = layout.run_command(layout.RunSpec("evals", "hw-ieci", "aware", 0), {"memory": 300.0}, 2, 30, None)
    assert command[command.index("--objective-split") + 1] == "test"


def test_every_run_keeps_the_papers_fixed_models() -> None:
    """Issue 25: the tool's models learn from measurements by default; the paper's do not."""
    command = layout.run_command(layout.RunSpec("evals", "rand", "aware", 0), {"memory": 300.0}, 2, 30, None)
    assert "--models-fixed" in command
