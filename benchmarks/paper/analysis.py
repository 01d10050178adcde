"""Numbers of the paper comparison from the runs' stores: pure functions over job records.

Per run, ``RunResult`` holds the arrays the figures and tables need, all over the run's
evaluations (COMPLETE or BROKEN jobs in the order they finished; shape (n,)). The meaning of
"best feasible" and "violation" comes from ``hyperpower.report`` so these tables agree with what
``hyperpower status`` prints for the same store.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

import runs_layout as layout


@dataclasses.dataclass
class RunResult:
    spec: layout.RunSpec
    best_curve: np.ndarray            # best feasible error after each evaluation, NaN until one
    measured_violations: np.ndarray   # cumulative evaluations that measured over a budget
    predicted_violations: np.ndarray  # cumulative evaluations a model predicted over a budget
    elapsed_s: np.ndarray             # first start -> end of each evaluation
    broken: int
    early_terminated: int
    skipped: int
    jobs: list = dataclasses.field(default_factory=list)  # the evaluations' Job records

    @property
    def evaluations(self) -> int:
        return len(self.best_curve)

    @property
    def best(self) -> float:
        return float(self.best_curve[-1]) if self.evaluations else math.nan


def load_run(spec: layout.RunSpec) -> RunResult | None:
    """The run's results, or None when it has no store or no evaluation yet."""
    config_path = spec.folder / "spearmint" / "config.json"
    if not (spec.folder / "hyperpower.sqlite").is_file() or not config_path.is_file():
        return None
    from hyperpower.config import load_config
    from hyperpower.jobs import JobStatus
    from hyperpower.report import plot_data
    from hyperpower.store import open_store

    config = load_config(config_path)
    with open_store(spec.store_uri) as store:
        jobs = store.list_jobs(spec.name)
    evaluations = plot_data.evaluated_jobs(jobs)
    if not evaluations:
        return None
    measured, predicted = plot_data.cumulative_violations(evaluations, config)
    return RunResult(
        spec=spec, best_curve=plot_data.running_best(evaluations, config),
        measured_violations=measured, predicted_violations=predicted,
        elapsed_s=plot_data.elapsed_times(evaluations),
        broken=sum(job.status is JobStatus.BROKEN for job in evaluations),
        early_terminated=sum(bool(job.early_terminated) for job in evaluations),
        skipped=sum(job.status is JobStatus.SKIPPED for job in jobs), jobs=evaluations)


def load_protocol(protocol: str) -> list[RunResult]:
    """Every run of one protocol found under runs/ (any seed)."""
    results = []
    for folder in sorted(layout.RUNS_DIR.glob(f"{protocol}-*-seed*")):
        method_form, seed = folder.name[len(protocol) + 1:].rsplit("-seed", 1)
        method, form = method_form.rsplit("-", 1)
        result = load_run(layout.RunSpec(protocol, method, form, int(seed)))
        if result is not None:
            results.append(result)
    return results


def stack_curves(curves: list[np.ndarray], length: int) -> np.ndarray:
    """(seeds, length) array; a shorter run is padded with NaN (it has no such evaluation)."""
    stacked = np.full((len(curves), length), np.nan)
    for row, curve in enumerate(curves):
        stacked[row, : min(length, len(curve))] = curve[:length]
    return stacked


def time_to_samples(result: RunResult, samples: int) -> float:
    """Seconds until the run finished its ``samples``-th evaluation; NaN when it never did."""
    return float(result.elapsed_s[samples - 1]) if 0 < samples <= result.evaluations else math.nan


def time_to_error(result: RunResult, error: float) -> float:
    """Seconds until the run's best feasible error was <= ``error``; NaN when it never was."""
    if not math.isfinite(error):
        return math.nan
    reached = np.flatnonzero(np.nan_to_num(result.best_curve, nan=math.inf) <= error)
    return float(result.elapsed_s[reached[0]]) if reached.size else math.nan


def geometric_mean(values: list[float]) -> float:
    """Geometric mean of the finite positive values (the paper's average speed-up); NaN if none."""
    usable = [v for v in values if math.isfinite(v) and v > 0]
    return float(np.exp(np.mean(np.log(usable)))) if usable else math.nan


@dataclasses.dataclass
class PairComparison:
    """One method and seed of the fixed-time protocol: unaware ('default') vs aware."""

    method: str
    seed: int
    unaware: RunResult
    aware: RunResult

    @property
    def sample_ratio(self) -> float:  # Table 4
        return self.aware.evaluations / self.unaware.evaluations

    @property
    def unaware_time_to_samples(self) -> float:  # Table 3, default column
        return time_to_samples(self.unaware, self.unaware.evaluations)

    @property
    def aware_time_to_samples(self) -> float:  # Table 3, HyperPower column
        return time_to_samples(self.aware, self.unaware.evaluations)

    @property
    def unaware_time_to_best(self) -> float:  # Table 5, default column
        return time_to_error(self.unaware, self.unaware.best)

    @property
    def aware_time_to_best(self) -> float:  # Table 5, HyperPower column
        return time_to_error(self.aware, self.unaware.best)


def pair_runs(results: list[RunResult]) -> list[PairComparison]:
    """Aware/unaware pairs of the same method and seed, in method order then seed."""
    by_key = {(r.spec.method, r.spec.form, r.spec.seed): r for r in results}
    pairs = []
    for method in layout.METHODS:
        for seed in sorted({r.spec.seed for r in results}):
            unaware, aware = by_key.get((method, "unaware", seed)), by_key.get((method, "aware", seed))
            if unaware is not None and aware is not None:
                pairs.append(PairComparison(method, seed, unaware, aware))
    return pairs


def durations_by_prediction(results: list[RunResult]) -> tuple[np.ndarray, np.ndarray]:
    """(within budget, over budget): seconds each evaluation ran, split by its a-priori prediction.

    What an unaware method pays for a predicted violator against a feasible configuration: the
    cost asymmetry behind the paper's samples-per-hour gains."""
    within, over = [], []
    for result in results:
        flags = np.diff(np.concatenate([[0], result.predicted_violations])) > 0
        for job, flagged in zip(result.jobs, flags):
            if job.start_time is not None and job.end_time is not None:
                (over if flagged else within).append(job.end_time - job.start_time)
    return np.array(within), np.array(over)


def paired_outcome(pairs: list[PairComparison]) -> tuple[int, int, int]:
    """(aware lower, equal, unaware lower) final best feasible error over same-seed pairs.

    A run without any feasible evaluation counts as the worse one (NaN loses to a number)."""
    aware_lower = equal = unaware_lower = 0
    for pair in pairs:
        aware, unaware = (np.nan_to_num(r.best, nan=math.inf) for r in (pair.aware, pair.unaware))
        if aware < unaware:
            aware_lower += 1
        elif aware > unaware:
            unaware_lower += 1
        else:
            equal += 1
    return aware_lower, equal, unaware_lower


def ratio(numerator: float, denominator: float) -> float:
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or denominator <= 0:
        return math.nan
    return numerator / denominator
