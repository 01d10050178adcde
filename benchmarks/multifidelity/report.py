"""results/*.json (and results/digits/*) -> RESULTS.md's generated tables and findings, and plots/*.png.

    python benchmarks/multifidelity/report.py

Every number of the write-up's generated blocks is computed here, the findings from the same
statistics as the tables.

LCBench numbers are SURROGATE results. Per task and method, over seeds: the final incumbent
(best validation error among configurations trained to 52 epochs) when the budget ran out, and
the simulated time and epochs until the incumbent first reached the target, the target being
the median final incumbent of full-fidelity HW-IECI (what full fidelity achieves with the whole
budget). Digits (real training, one seed) is read from each run's store.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from benchmarks.common.writeup import bullets, update  # noqa: E402

RESULTS, PLOTS = HERE / "results", HERE / "plots"
REFERENCE = "full fidelity HW-IECI"
#: HyperPower's model-based scheduler, whose issue goals the findings check
MODEL_BASED_ASHA = "HyperPower ASHA, HW-IECI"
PEER_PREFIXES = ("Optuna", "Syne Tune")


def _load(results: Path = RESULTS, prefix: str = "lcbench_") -> dict[str, dict[str, dict]]:
    """task -> method -> the run file (budget, runs by seed)."""
    tasks: dict[str, dict[str, dict]] = {}
    for path in sorted(results.glob(f"{prefix}*.json")):
        data = json.loads(path.read_text())
        tasks.setdefault(data["task"], {})[data["method"]] = data
    return tasks


def _within(run: dict, budget: float) -> list:
    """The evaluations that ended within the budget (the one that straddles it does not count)."""
    return [point for point in run["points"] if point[0] <= budget] or [(0.0, 0, math.inf)]


def _final(run: dict, budget: float = math.inf) -> float:
    return _within(run, budget)[-1][2]


def _reach(run: dict, target: float, budget: float = math.inf) -> tuple[float, float]:
    for clock, epochs, best in _within(run, budget):
        if best <= target:
            return clock, epochs
    return math.inf, math.inf


def _median_text(values: list[float], scale: float = 1.0, digits: int = 0, percent: bool = False) -> str:
    finite = [v for v in values if math.isfinite(v)]
    if not finite:
        return f"never (0/{len(values)})"
    if len(finite) < len(values) / 2:
        return f"not in most runs ({len(finite)}/{len(values)})"
    median = float(np.median(values)) / scale
    text = f"{100 * median:.2f}%" if percent else f"{median:.{digits}f}"
    return text + ("" if len(finite) == len(values) else f" ({len(finite)}/{len(values)} reached)")


def _target(methods: dict) -> tuple[dict, float, float]:
    """(the reference method's data, the budget, the target error: its median final incumbent)."""
    reference = methods.get(REFERENCE) or methods.get("full fidelity rand")
    budget = next(iter(methods.values()))["budget_s"]
    return reference, budget, float(np.median([_final(r, budget) for r in reference["runs"].values()]))


def _median_final(data: dict, budget: float) -> float:
    return float(np.median([_final(r, budget) for r in data["runs"].values()]))


def _median_epochs_to(data: dict, target: float, budget: float) -> tuple[float, int, int]:
    """(median epochs to the target, runs that reached it, runs)."""
    reached = [_reach(r, target, budget)[1] for r in data["runs"].values()]
    return float(np.median(reached)), sum(math.isfinite(e) for e in reached), len(reached)


def lcbench_tables(tasks: dict) -> list[str]:
    lines = []
    for task, methods in tasks.items():
        reference, budget, target = _target(methods)
        lines += [f"### LCBench task {task} (SURROGATE)", "",
                  f"Budget {budget / 3600:.1f} simulated hours (20 median full trainings; an evaluation still running when it ran out does not count); target: validation error "
                  f"{100 * target:.2f}% (median final incumbent of {reference['method']}).", "",
                  "| method | seeds | final error (median) | time to target (sim. h, median) | epochs to target (median) "
                  "| epochs in budget (median) | evaluations (median) |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for method, data in methods.items():
            runs = list(data["runs"].values())
            reached = [_reach(r, target, budget) for r in runs]
            lines.append(" | ".join([
                f"| {method}", str(len(runs)), _median_text([_final(r, budget) for r in runs], percent=True),
                _median_text([t for t, _ in reached], 3600.0, 2), _median_text([e for _, e in reached]),
                f"{np.median([_within(r, budget)[-1][1] for r in runs]):.0f}",
                f"{np.median([len(_within(r, budget)) for r in runs]):.0f} |"]))
        lines.append("")
    return lines


def lcbench_plots(tasks: dict) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    PLOTS.mkdir(exist_ok=True)
    names = []
    for task, methods in tasks.items():
        figure, axis = plt.subplots(figsize=(7, 4.2))
        budget = next(iter(methods.values()))["budget_s"]
        grid = np.linspace(0, budget, 200)
        for method, data in methods.items():
            curves = []
            for run in data["runs"].values():
                clocks = np.array([p[0] for p in run["points"]])
                bests = np.array([p[2] for p in run["points"]])
                index = np.searchsorted(clocks, grid, side="right") - 1
                curves.append(np.where(index >= 0, bests[np.clip(index, 0, None)], np.nan))
            median = np.nanmedian(np.where(np.isinf(curves), np.nan, curves), axis=0)
            axis.plot(grid / 3600, 100 * median, label=f"{method} ({len(curves)} seeds)")
        axis.set_xlabel("simulated wall clock (hours)")
        axis.set_ylabel("best full-fidelity validation error (%)")
        axis.set_title(f"LCBench task {task}: SURROGATE results, median over seeds")
        axis.legend(fontsize=7)
        figure.tight_layout()
        name = f"lcbench_{task}.png"
        figure.savefig(PLOTS / name, dpi=110)
        plt.close(figure)
        names.append(name)
    return names


def lcbench_findings(tasks: dict) -> list[str]:
    """Per task: the lowest final error, the model-based scheduler against full fidelity (the
    issue's goal: the same error in at most a third of the epochs) and against the best peer."""
    sentences = []
    for task, methods in tasks.items():
        reference, budget, target = _target(methods)
        finals = {method: _median_final(data, budget) for method, data in methods.items()}
        best = min(finals, key=finals.get)
        sentences.append(f"Task {task}: the lowest median final error is {best}'s ({100 * finals[best]:.2f}%); "
                         f"{reference['method']} ends at {100 * finals[reference['method']]:.2f}% (the target).")
        if MODEL_BASED_ASHA in methods:
            asha, asha_reached, runs = _median_epochs_to(methods[MODEL_BASED_ASHA], target, budget)
            full, full_reached, full_runs = _median_epochs_to(reference, target, budget)
            share = "-" if not (math.isfinite(asha) and math.isfinite(full)) else f"{asha / full:.2f}"
            sentences.append(f"Task {task}: {MODEL_BASED_ASHA} reached the target in {asha_reached} of {runs} seeds "
                             f"after a median {asha:.0f} epochs, against {full:.0f} for {reference['method']} "
                             f"({full_reached} of {full_runs} seeds): {share} of its epochs.")
            peers = {m: f for m, f in finals.items() if m.startswith(PEER_PREFIXES)}
            if peers:
                peer = min(peers, key=peers.get)
                sentences.append(f"Task {task}: the best peer, {peer}, ends at {100 * peers[peer]:.2f}% against "
                                 f"{100 * finals[MODEL_BASED_ASHA]:.2f}% for {MODEL_BASED_ASHA} and "
                                 f"{100 * finals.get('HyperPower ASHA, rand', math.nan):.2f}% for HyperPower ASHA, rand.")
    return sentences


def two_objective_findings(tasks: dict) -> list[str]:
    sentences = []
    for task, methods in tasks.items():
        finals = {method: float(np.median([_final_volume(r, data["budget_s"]) for r in data["runs"].values()]))
                  for method, data in methods.items()}
        order = sorted(finals, key=finals.get, reverse=True)
        sentences.append(f"Two objectives, task {task}: median final hypervolume " + ", ".join(
            f"{method} {finals[method]:.4g}" for method in order) + ".")
    return sentences


def _final_volume(run: dict, budget: float) -> float:
    final = _final(run, budget)
    return 0.0 if final == math.inf else final


def two_objective_lines(tasks: dict, plots: bool = True) -> list[str]:
    """Final hypervolume (median over seeds) of each method, and a plot per task."""
    lines = []
    for task, methods in tasks.items():
        reference = next(iter(methods.values()))["reference"]
        lines += [f"### Two objectives, LCBench task {task} (SURROGATE)", "",
                  f"Validation error and training seconds per epoch; hypervolume of the 52-epoch configurations, "
                  f"reference ({reference[0]:g}, {reference[1]:.3g} s), higher is better; same budget as above.", "",
                  "| method | seeds | final hypervolume (median) | min - max | epochs in budget (median) |",
                  "| --- | --- | --- | --- | --- |"]
        for method, data in methods.items():
            runs = list(data["runs"].values())
            finals = [_final_volume(r, data["budget_s"]) for r in runs]
            lines.append(f"| {method} | {len(runs)} | {np.median(finals):.4g} | {min(finals):.4g} - {max(finals):.4g} "
                         f"| {np.median([_within(r, data['budget_s'])[-1][1] for r in runs]):.0f} |")
        if plots:
            _plot_two_objectives(task, methods)
        lines += ["", f"![two objectives {task}](plots/two_objectives_{task}.png)", ""]
    return lines


def _plot_two_objectives(task: str, methods: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(7, 4.2))
    for method, data in methods.items():
        runs = list(data["runs"].values())
        grid = np.linspace(0, data["budget_s"], 200)
        curves = []
        for run in runs:
            clocks = np.array([p[0] for p in run["points"]])
            volumes = np.array([p[2] for p in run["points"]])
            index = np.searchsorted(clocks, grid, side="right") - 1
            curves.append(np.where(index >= 0, volumes[np.clip(index, 0, None)], 0.0))
        axis.plot(grid / 3600, np.median(curves, axis=0), label=f"{method} ({len(runs)} seeds)")
    axis.set_xlabel("simulated wall clock (hours)")
    axis.set_ylabel("hypervolume (error, s/epoch)")
    axis.set_title(f"LCBench task {task}, two objectives: SURROGATE results, median")
    axis.legend(fontsize=7)
    figure.tight_layout()
    PLOTS.mkdir(exist_ok=True)
    figure.savefig(PLOTS / f"two_objectives_{task}.png", dpi=110)
    plt.close(figure)


def digits_traces() -> dict[str, dict]:
    """Each digits run's jobs from its store: (seconds since the first start, epochs, incumbent)."""
    import sqlite3

    traces = {}
    for folder in sorted((RESULTS / "digits").glob("*/")):
        database = folder / "hyperpower.sqlite"
        if not database.exists():
            continue
        rows = sqlite3.connect(database).execute(
            'SELECT id, status, "values", start_time, end_time, epochs, trained_epochs FROM jobs '
            "WHERE status = 'complete' ORDER BY end_time").fetchall()
        if not rows:
            continue
        first = min(r[3] for r in rows)
        best, epochs, points = math.inf, 0, []
        for _id, _status, values, _start, end, total, trained in rows:
            error = json.loads(values).get("error")
            epochs += trained if trained is not None else 27
            if (total is None or total == 27) and error is not None:
                best = min(best, error)
            points.append((end - first, epochs, best))
        traces[folder.name] = {"points": points, "jobs": len(rows)}
    return traces


def digits_table(traces: dict) -> list[str]:
    if not traces:
        return []
    target = _digits_target(traces)
    lines = ["### Digits, real Keras training on this 2-core CPU (one seed, 8 minutes each; ASHA rungs 3, 9, 27)", "",
             f"Target: validation error {100 * target:.2f}% (full-fidelity HW-IECI's final incumbent).", "",
             "| run | complete jobs | epochs trained | best 27-epoch error at the limit | time to target (s) "
             "| epochs to target |", "| --- | --- | --- | --- | --- | --- |"]
    for name, trace in traces.items():
        reached = _reach(trace, target)
        final = trace["points"][-1]
        lines.append(f"| {name} | {trace['jobs']} | {final[1]} | "
                     f"{'none' if math.isinf(final[2]) else f'{100 * final[2]:.2f}%'} | "
                     f"{'never' if math.isinf(reached[0]) else f'{reached[0]:.0f}'} | "
                     f"{'never' if math.isinf(reached[1]) else f'{reached[1]:.0f}'} |")
    return lines + [""]


def _digits_target(traces: dict) -> float:
    reference = traces.get("full_hw-ieci")
    return reference["points"][-1][2] if reference else math.nan


def digits_findings(traces: dict) -> list[str]:
    sentences = []
    for name, trace in traces.items():
        final = trace["points"][-1]
        best = "no 27-epoch job" if math.isinf(final[2]) else f"a best 27-epoch error of {100 * final[2]:.2f}%"
        sentences.append(f"Digits, {name}: {trace['jobs']} complete jobs, {final[1]} epochs trained, {best} at the limit.")
    return sentences


def load_digits_traces() -> dict:
    """From the runs' stores when they are here (results/digits/, not committed), else from the
    traces the last report saved (results/digits_traces.json, committed)."""
    traces = digits_traces()
    saved = RESULTS / "digits_traces.json"
    if traces:
        saved.write_text(json.dumps(traces))
        return traces
    return json.loads(saved.read_text()) if saved.is_file() else {}


def generated_blocks(results: Path = RESULTS, plots: bool = True) -> dict[str, str]:
    """Every generated block of RESULTS.md, by name."""
    tasks = _load(results)
    lines = lcbench_tables(tasks)
    if plots:
        lcbench_plots(tasks)
    two = _load(results, "two_objectives_")
    traces = load_digits_traces() if results == RESULTS else {}
    return {"lcbench": "\n".join(lines + [f"![lcbench_{task}.png](plots/lcbench_{task}.png)" for task in tasks]) + "\n",
            "lcbench-findings": bullets(lcbench_findings(tasks)),
            "two-objectives": "\n".join(two_objective_lines(two, plots)),
            "two-objectives-findings": bullets(two_objective_findings(two)),
            "digits": "\n".join(digits_table(traces)),
            "digits-findings": bullets(digits_findings(traces))}


def main() -> None:
    update(HERE / "RESULTS.md", generated_blocks())
    print(f"wrote {HERE / 'RESULTS.md'} and the plots in {PLOTS}")


if __name__ == "__main__":
    main()
