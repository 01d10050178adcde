"""RESULTS.md, results.json and the figures of the paper comparison, from whatever runs exist.

The tables follow the paper (DATE 2018): Table 2 mean (std) best error, Table 3 time for the aware
form to reach the unaware form's number of samples, Table 4 samples in the time budget, Table 5
time to reach the unaware form's best error; speed-ups are geometric means over seeds. The
hand-written reading of the numbers lives in reading.md and is copied in verbatim, so the
generated numbers and the prose are never edited in the same place.
"""

from __future__ import annotations

import datetime
import json
import math
import platform
import subprocess

import numpy as np

import analysis
import figures
import findings
import runs_layout as layout
from budgets import BUDGET_METRICS

RESULTS_FILE = layout.HERE / "RESULTS.md"
RESULTS_JSON = layout.HERE / "results.json"
READING_FILE = layout.HERE / "reading.md"
FIGURES_DIR = layout.HERE / "figures"


def _fmt(value: float, digits: int = 4) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.{digits}g}"


def _seconds(value: float) -> str:
    return "not reached" if not math.isfinite(value) else f"{value:.0f} s"


def _speedup(value: float) -> str:
    return "–" if not math.isfinite(value) else f"{value:.2f}×"


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=layout.REPO).stdout.strip()
    import os

    return (f"{model}, {os.cpu_count()} logical CPUs (shared with other engineers' jobs), "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"repository at commit {commit or 'unknown'}")


def _relative(command: list[str]) -> list[str]:
    """The command as run from the repository root: this checkout's absolute paths made relative
    (a committed write-up names no machine's folders)."""
    root = str(layout.REPO) + "/"
    return [arg.replace("sqlite:///" + root, "sqlite:///").replace(root, "") for arg in command]


def _model(metric: str) -> dict:
    """The shared model file of one budget metric, as ``hyperpower profile`` wrote it."""
    return json.loads((layout.MODELS_DIR / f"{metric}.json").read_text())


def _profiled_samples() -> str:
    """How many configurations the shared models were fitted on (as their files say)."""
    counts = sorted({_model(metric).get("samples") for metric in BUDGET_METRICS} - {None})
    return "/".join(str(count) for count in counts) or "an unknown number of"


def violations_table(results: list[analysis.RunResult]) -> list[str]:
    """Per run: evaluations, predicted and measured budget violations (aware must predict 0)."""
    lines = ["| run | evaluations | predicted violations | measured violations | broken | early-stopped |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r.spec.name} | {r.evaluations} | {int(r.predicted_violations[-1])} | "
                     f"{int(r.measured_violations[-1])} | {r.broken} | {r.early_terminated} |")
    return lines


def model_accuracy_table(results: list[analysis.RunResult]) -> list[str]:
    """How the shared models predicted the values measured during the runs (all jobs pooled)."""
    from hyperpower.report import plot_data

    lines = ["| metric | jobs | RMSPE | mean measured / predicted | cross-validated RMSPE at profiling |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for metric in BUDGET_METRICS:
        measured, predicted = (np.concatenate(parts) if parts else np.empty(0) for parts in zip(
            *[plot_data.prediction_pairs(r.jobs, metric) for r in results]))
        profiled = _model(metric)["cv_rmspe"]
        ratio = float(np.mean(measured / predicted)) if measured.size else math.nan
        lines.append(f"| {metric} | {measured.size} | {_fmt(plot_data.rmspe(measured, predicted), 3)} | "
                     f"{_fmt(ratio, 3)} | {_fmt(profiled, 3)} |")
    return lines


def fixed_evals_table(results: list[analysis.RunResult]) -> list[str]:
    """Per variant: median (min-max) best error at the last evaluation and mean violations."""
    lines = ["| method | form | seeds | evaluations | best feasible error, median (min–max) | "
             "measured violations, mean | predicted violations, total |",
             "| --- | --- | ---: | ---: | --- | ---: | ---: |"]
    for method in layout.METHODS:
        for form in layout.FORMS:
            runs = [r for r in results if r.spec.method == method and r.spec.form == form]
            if not runs:
                continue
            best = np.array([r.best for r in runs])
            spread = f"{_fmt(np.nanmedian(best))} ({_fmt(np.nanmin(best))}–{_fmt(np.nanmax(best))})" \
                if np.isfinite(best).any() else "no feasible job"
            lines.append(f"| {method} | {form} | {len(runs)} | {', '.join(str(r.evaluations) for r in runs)} | "
                         f"{spread} | {np.mean([r.measured_violations[-1] for r in runs]):.1f} | "
                         f"{sum(int(r.predicted_violations[-1]) for r in runs)} |")
    return lines


def cost_table(results: list[analysis.RunResult]) -> list[str]:
    """Evaluation time of the unaware runs' jobs, predicted within vs over budget."""
    within, over = analysis.durations_by_prediction([r for r in results if r.spec.form == "unaware"])
    lines = ["| unaware evaluations | jobs | mean s | median s |", "| --- | ---: | ---: | ---: |"]
    for label, seconds in (("predicted within budget", within), ("predicted over budget", over)):
        if seconds.size:
            lines.append(f"| {label} | {seconds.size} | {np.mean(seconds):.2f} | {np.median(seconds):.2f} |")
    return lines


def paired_table(results: list[analysis.RunResult]) -> list[str]:
    """Same-seed aware/unaware pairs: which form ended with the lower best feasible error."""
    lines = ["| method | seed pairs | aware lower | equal | unaware lower | median of (aware − unaware) |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for method in layout.METHODS:
        pairs = [p for p in analysis.pair_runs(results) if p.method == method]
        if not pairs:
            continue
        lower, equal, higher = analysis.paired_outcome(pairs)
        differences = [p.aware.best - p.unaware.best for p in pairs]
        lines.append(f"| {method} | {len(pairs)} | {lower} | {equal} | {higher} | "
                     f"{_fmt(float(np.nanmedian(differences))) if np.isfinite(differences).any() else '–'} |")
    return lines


def table2(results: list[analysis.RunResult]) -> list[str]:
    lines = ["| method | default (unaware) | HyperPower (aware) |", "| --- | --- | --- |"]
    for method in layout.METHODS:
        cells = []
        for form in ("unaware", "aware"):
            best = [r.best for r in results if r.spec.method == method and r.spec.form == form]
            std = f" ({_fmt(float(np.nanstd(best)), 2)})" if len(best) > 1 else ""
            cells.append(f"{_fmt(float(np.nanmean(best)))}{std}, n={len(best)}" if best else "–")
        lines.append(f"| {method} | {cells[0]} | {cells[1]} |")
    return lines


def _paired_table(pairs: list[analysis.PairComparison], default, aware, speedup, fmt) -> list[str]:
    lines = ["| method | seed | default | HyperPower | speed-up |", "| --- | ---: | ---: | ---: | ---: |"]
    per_method: dict[str, list[float]] = {}
    for pair in pairs:
        value = speedup(pair)
        per_method.setdefault(pair.method, []).append(value)
        lines.append(f"| {pair.method} | {pair.seed} | {fmt(default(pair))} | {fmt(aware(pair))} | {_speedup(value)} |")
    def counted(values: list[float]) -> str:
        usable = sum(math.isfinite(v) and v > 0 for v in values)
        return f"geo-mean of {usable}/{len(values)}"

    for method, values in per_method.items():
        lines.append(f"| **{method}** | {counted(values)} | | | **{_speedup(analysis.geometric_mean(values))}** |")
    every = [v for values in per_method.values() for v in values]
    lines.append(f"| **all methods** | {counted(every)} | | | **{_speedup(analysis.geometric_mean(every))}** |")
    return lines


def tables_3_to_5(pairs: list[analysis.PairComparison]) -> dict[str, list[str]]:
    return {
        "3": _paired_table(pairs, lambda p: p.unaware_time_to_samples, lambda p: p.aware_time_to_samples,
                           lambda p: analysis.ratio(p.unaware_time_to_samples, p.aware_time_to_samples), _seconds),
        "4": _paired_table(pairs, lambda p: p.unaware.evaluations, lambda p: p.aware.evaluations,
                           lambda p: p.sample_ratio, lambda v: str(v)),
        "5": _paired_table(pairs, lambda p: p.unaware_time_to_best, lambda p: p.aware_time_to_best,
                           lambda p: analysis.ratio(p.unaware_time_to_best, p.aware_time_to_best), _seconds),
    }


def _summary_json(evals: list[analysis.RunResult], timed: list[analysis.RunResult]) -> dict:
    def run_json(r: analysis.RunResult) -> dict:
        return {"evaluations": r.evaluations, "best": None if not math.isfinite(r.best) else r.best,
                "best_curve": [None if not math.isfinite(v) else float(v) for v in r.best_curve],
                "measured_violations": r.measured_violations.tolist(),
                "predicted_violations": r.predicted_violations.tolist(),
                "elapsed_s": [float(v) for v in r.elapsed_s], "broken": r.broken,
                "early_terminated": r.early_terminated}
    return {"budgets": json.loads(layout.BUDGETS_FILE.read_text()),
            "fixed_evals": {r.spec.name: run_json(r) for r in evals},
            "fixed_time": {r.spec.name: run_json(r) for r in timed}}


def write_report() -> None:
    FIGURES_DIR.mkdir(exist_ok=True)
    evals, timed = analysis.load_protocol("evals"), analysis.load_protocol("time")
    budgets = json.loads(layout.BUDGETS_FILE.read_text())
    if evals:
        figures.plot_fixed_evals(evals, FIGURES_DIR)
    if timed:
        figures.plot_fixed_time(timed, FIGURES_DIR)
    RESULTS_JSON.write_text(json.dumps(_summary_json(evals, timed), indent=1) + "\n")
    tables = tables_3_to_5(analysis.pair_runs(timed))
    commands = {r.spec.name: json.loads(r.spec.done_marker.read_text())["command"]
                for r in evals + timed if r.spec.done_marker.is_file()}
    example = _relative(next(iter(commands.values()), []))
    text = [
        "# HyperPower paper comparison on digits (CPU)", "",
        f"Generated by `python benchmarks/paper/run_paper.py report` on "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}.", "",
        f"Machine: {_machine()}.", "",
        "## Budgets", "",
        f"Memory ≤ **{budgets['budgets']['memory']:.6g} MB** and latency ≤ **{budgets['budgets']['latency']:.6g} ms** "
        f"(passed to every run as `--budget memory=… --budget latency=…`, rounded to 6 digits). Both sit at "
        f"**percentile {budgets['percentile']}** of their model's predictions over {budgets['sample_size']} "
        f"uniform random points of the space (seed {budgets['seed']}); that percentile was bisected so that "
        f"**{budgets['infeasible_fraction']:.1%}** of those points are predicted to break at least one budget "
        f"(memory alone {budgets['single_infeasible']['memory']:.1%}, latency alone "
        f"{budgets['single_infeasible']['latency']:.1%}: the two models are strongly correlated). "
        f"The models (`models/memory.json`, `models/latency.json`, fitted by `hyperpower profile` on "
        f"{_profiled_samples()} configurations with hyper-parameter features, seed 0) are shared by every run.", "",
        "One run's exact command, as run from the repository root (all runs differ only in folder, method, "
        "`--unaware`, seed and the limit):", "",
        "```", "python " + " ".join(example[1:]) if example else "(no finished run)", "```", "",
        "## Zero predicted-budget violations for the aware methods", "",
        "A *predicted violation* is an evaluation whose a-priori model prediction is over a budget. "
        "Aware methods must have none; unaware ones are trained regardless. *Measured* violations are "
        "evaluations whose measured memory or latency broke a budget (the models are imperfect).", "",
        *violations_table(evals + timed), "",
        "Accuracy of the shared models on the jobs of all runs (measured vs predicted before training):", "",
        *model_accuracy_table(evals + timed), "",
        "What a predicted violator costs an unaware run (job start to end: training, test and "
        "measurement; all runs of both protocols):", "",
        *cost_table(evals + timed), "",
        "## Fixed number of evaluations (Fig. 4 left and centre)", "",
        *fixed_evals_table(evals), "",
        "Aware against unaware with the same seed (same initial design), final best feasible error "
        "(one test image is 1/450 = 0.0022):", "",
        *paired_table(evals), "",
        "![best feasible error vs evaluations](figures/fig4_left_best_error.png)", "",
        "![cumulative violating samples](figures/fig4_centre_violations.png)", "",
        "## Fixed wall-clock", "",
        "### Table 2: mean best feasible test error (std when several seeds)", "", *table2(timed), "",
        "### Table 3: time to reach the number of samples the unaware form queried", "",
        "Default: time of the unaware run's last evaluation; HyperPower: time at which the aware run "
        "finished as many evaluations. Times from the first evaluation's start.", "", *tables["3"], "",
        "### Table 4: number of samples (evaluations) within the time budget", "", *tables["4"], "",
        "### Table 5: time to reach the best error the unaware form reached", "",
        "Default: when the unaware run first reached its final best; HyperPower: when the aware run's best "
        "feasible error was first at or below that value (`not reached` when never).", "", *tables["5"], "",
        "![fixed time best error](figures/fixed_time_best_error.png)", "",
    ]
    text += ["## Findings", "", "Generated from `results.json` (`findings.py`):", "",
             "<!-- begin generated: findings -->", *(f"- {line}" for line in findings.sentences(_summary_json(evals, timed))),
             "<!-- end generated: findings -->", ""]
    if READING_FILE.is_file():
        text += [READING_FILE.read_text().rstrip(), ""]
    RESULTS_FILE.write_text("\n".join(text))
    print(f"wrote {RESULTS_FILE}, {RESULTS_JSON} and figures in {FIGURES_DIR}")
