"""results/*.json (and results/digits/*) -> RESULTS tables (markdown on stdout) and plots/*.png.

LCBench numbers are SURROGATE results. Per task and method, over seeds: the final incumbent
(best validation error among configurations trained to 52 epochs) when the budget ran out, and
the simulated time and epochs until the incumbent first reached the target, the target being
the median final incumbent of full-fidelity HW-IECI (what full fidelity achieves with the whole
budget). Digits (real training, one seed) is read from each run's store.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS, PLOTS = HERE / "results", HERE / "plots"
REFERENCE = "full fidelity HW-IECI"


def _load() -> dict[str, dict[str, dict]]:
    tasks: dict[str, dict[str, dict]] = {}
    for path in sorted(RESULTS.glob("lcbench_*.json")):
        data = json.loads(path.read_text())
        tasks.setdefault(data["task"], {})[data["method"]] = data
    return tasks


def _final(run: dict) -> float:
    return run["points"][-1][2]


def _reach(run: dict, target: float) -> tuple[float, float]:
    for clock, epochs, best in run["points"]:
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


def lcbench_tables(tasks: dict) -> list[str]:
    lines = []
    for task, methods in tasks.items():
        reference = methods.get(REFERENCE) or methods.get("full fidelity rand")
        target = float(np.median([_final(r) for r in reference["runs"].values()]))
        budget = next(iter(methods.values()))["budget_s"]
        lines += [f"### LCBench task {task} (SURROGATE)", "",
                  f"Budget {budget / 3600:.1f} simulated hours (20 median full trainings); target: validation error "
                  f"{100 * target:.2f}% (median final incumbent of {reference['method']}).", "",
                  "| method | seeds | final error (median) | time to target (sim. h, median) | epochs to target (median) "
                  "| epochs in budget (median) | evaluations (median) |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for method, data in methods.items():
            runs = list(data["runs"].values())
            reached = [_reach(r, target) for r in runs]
            lines.append(" | ".join([
                f"| {method}", str(len(runs)), _median_text([_final(r) for r in runs], percent=True),
                _median_text([t for t, _ in reached], 3600.0, 2), _median_text([e for _, e in reached]),
                f"{np.median([r['points'][-1][1] for r in runs]):.0f}",
                f"{np.median([len(r['points']) for r in runs]):.0f} |"]))
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
    reference = traces.get("full_hw-ieci")
    target = reference["points"][-1][2] if reference else math.nan
    lines = ["### Digits, real Keras training on this 2-core CPU (one seed, 4 minutes each)", "",
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


def main() -> None:
    tasks = _load()
    lines = lcbench_tables(tasks)
    for name in lcbench_plots(tasks):
        lines.append(f"![{name}](plots/{name})")
    lines.append("")
    traces = digits_traces()
    if traces:
        (RESULTS / "digits_traces.json").write_text(json.dumps(traces))
    lines += digits_table(traces)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
