"""The findings of the paper comparison (every sentence with a number), generated from
``results.json``: the per-run summary ``report.py`` writes from the runs' stores. Reading the
summary rather than the stores lets the findings be regenerated and checked where the runs
themselves (``runs/``, not committed) are gone.
"""

from __future__ import annotations

import math
import statistics

import numpy as np

import analysis
import runs_layout as layout

PROTOCOLS = {"fixed_evals": "evals", "fixed_time": "time"}


def _spec(name: str) -> layout.RunSpec:
    protocol, rest = name.split("-", 1)
    method_form, seed = rest.rsplit("-seed", 1)
    method, form = method_form.rsplit("-", 1)
    return layout.RunSpec(protocol, method, form, int(seed))


def _array(values: list) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=float)


def results_from_summary(summary: dict, key: str) -> list[analysis.RunResult]:
    """The runs of one protocol (``fixed_evals`` or ``fixed_time``) as ``analysis.RunResult``."""
    return [analysis.RunResult(spec=_spec(name), best_curve=_array(run["best_curve"]),
                               measured_violations=np.array(run["measured_violations"]),
                               predicted_violations=np.array(run["predicted_violations"]),
                               elapsed_s=_array(run["elapsed_s"]), broken=run["broken"],
                               early_terminated=run["early_terminated"], skipped=0)
            for name, run in summary[key].items()]


def _by(results: list[analysis.RunResult], form: str, method: str | None = None) -> list[analysis.RunResult]:
    return [r for r in results if r.spec.form == form and method in (None, r.spec.method)]


def sentences(summary: dict) -> list[str]:
    evals, timed = results_from_summary(summary, "fixed_evals"), results_from_summary(summary, "fixed_time")
    methods = [m for m in layout.METHODS if any(r.spec.method == m for r in evals)]
    aware_predicted = sum(int(r.predicted_violations[-1]) for r in _by(evals + timed, "aware"))
    unaware = _by(evals, "unaware")
    per_method = ", ".join(f"{m} {sum(int(r.predicted_violations[-1]) for r in _by(evals, 'unaware', m))}" for m in methods)
    found = [f"Predicted budget violations: {aware_predicted} in the {len(_by(evals, 'aware'))} aware fixed-evaluation "
             f"and {len(_by(timed, 'aware'))} aware fixed-time runs; "
             f"{sum(int(r.predicted_violations[-1]) for r in unaware)} of the {sum(r.evaluations for r in unaware)} "
             f"unaware fixed-evaluation evaluations ({per_method})."]
    medians = "; ".join(
        f"{m} {statistics.median(r.best for r in _by(evals, 'aware', m)):.4f} aware against "
        f"{statistics.median(r.best for r in _by(evals, 'unaware', m)):.4f} unaware" for m in methods)
    found.append(f"Median best feasible error after the fixed evaluations: {medians}.")
    worst = max(unaware, key=lambda r: r.best)
    found.append(f"The worst unaware fixed-evaluation run, {worst.spec.name}, ended at {worst.best:.3f}: "
                 f"{int(worst.predicted_violations[-1])} of its {worst.evaluations} evaluations were predicted "
                 f"violators ({int(worst.measured_violations[-1])} measured).")
    lower, equal, higher = analysis.paired_outcome(analysis.pair_runs(evals))
    found.append(f"Seed by seed (fixed evaluations), the aware form ended lower in {lower}, equal in {equal} and "
                 f"higher in {higher} of the {lower + equal + higher} pairs.")
    pairs = analysis.pair_runs(timed)
    ratios = ", ".join(f"{m} {analysis.geometric_mean([p.sample_ratio for p in pairs if p.method == m]):.2f}x"
                       for m in methods if any(p.method == m for p in pairs))
    found.append(f"Fixed wall-clock: samples of the aware form over its unaware twin's, geometric mean per method: {ratios}.")
    return found
