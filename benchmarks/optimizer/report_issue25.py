"""ISSUE25.md: the constrained toys against Optuna's GPSampler from one shared initial design.

Every number in the page is computed here from results/quality-issue25/ and results/optima.json,
so the page is regenerated, never edited:

    python benchmarks/optimizer/report_issue25.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
FOLDER = "quality-issue25"
CHECKPOINTS = (20, 30, 50)
PEER = "optuna-gp-design10"
OURS = ("hw-ieci-design10", "hw-ieci-design10-noiseless", "hw-ieci-design10-sampled")
ORDER = OURS + (PEER,)
DESIGN = 10
DESCRIPTION = {
    "hw-ieci-design10": "HW-IECI, default search (sampled + local search + gradient polish), GAUSSIAN tasks (the runners' default)",
    "hw-ieci-design10-noiseless": "HW-IECI, default search, objective and constraint tasks NOISELESS (as GPSampler's `deterministic_objective=True`)",
    "hw-ieci-design10-sampled": "HW-IECI with the search before issue 25 (`local_search_rounds=0, polish_iterations=0`), GAUSSIAN tasks",
    PEER: "Optuna GPSampler, `deterministic_objective=True`, `n_startup_trials=10`, the 10 design points enqueued",
}

COMMANDS = """```
P=benchmarks/.venv-peers/bin/python      # benchmarks/setup_peers.sh; optuna 5.1.0, torch, greenlet
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
B=benchmarks/optimizer/run_benchmarks.py
nice $P $B quality --folder quality-issue25 --problems gramacy branin-disk \\
    --methods hw-ieci-design10 optuna-gp-design10 hw-ieci-design10-noiseless --seeds 10
nice $P $B quality --folder quality-issue25 --problems gramacy branin-disk --methods hw-ieci-design10-sampled --seeds 5
python benchmarks/optimizer/report_issue25.py        # this page
```"""


def load(folder: str = FOLDER) -> dict[str, dict[str, dict[int, dict]]]:
    """problem -> method -> seed -> run record."""
    data: dict[str, dict[str, dict[int, dict]]] = {}
    for path in sorted((RESULTS / folder).glob("*/*/seed*.json")):
        seed = int(path.stem.removeprefix("seed"))
        data.setdefault(path.parent.parent.name, {}).setdefault(path.parent.name, {})[seed] = json.loads(path.read_text())
    return data


def best_feasible(record: dict) -> np.ndarray:
    return np.minimum.accumulate(np.where(record["feasible"], record["values"], np.inf))


def _fmt(value: float) -> str:
    return "∞" if math.isinf(value) else f"{value:.2e}"


def _same_design(methods: dict[str, dict[int, dict]]) -> str:
    """Checks from the files that every method's first DESIGN values are identical per seed."""
    seeds = set.intersection(*[set(runs) for runs in methods.values()])
    same = all(len({tuple(np.round(runs[s]["values"][:DESIGN], 12)) for runs in methods.values()}) == 1 for s in seeds)
    return f"{'identical' if same else 'NOT identical'} across methods for the {len(seeds)} seeds every method ran"


def problem_section(problem: str, methods: dict[str, dict[int, dict]], optimum: float) -> list[str]:
    lines = [f"### {problem} (constrained optimum {optimum:.10g}, `results/optima.json`)", "",
             f"First {DESIGN} values: {_same_design(methods)}.", "",
             "| method | seeds | " + " | ".join(f"median regret @{c}" for c in CHECKPOINTS)
             + " | mean regret @50 | worst regret @50 | violations @50 (median) | s/suggestion (median, wall) |",
             "|---|---|" + "---|" * (len(CHECKPOINTS) + 4)]
    medians = {}
    for method in [m for m in ORDER if m in methods] + sorted(set(methods) - set(ORDER)):
        runs = [methods[method][s] for s in sorted(methods[method])]
        regrets = np.array([best_feasible(r) - optimum for r in runs])
        cells = [_fmt(float(np.median(regrets[:, c - 1]))) for c in CHECKPOINTS]
        medians[method] = float(np.median(regrets[:, 49]))
        violations = np.median([np.sum(~np.array(r["feasible"][:50], dtype=bool)) for r in runs])
        seconds = np.median(np.concatenate([r["seconds"][DESIGN:] for r in runs]))
        lines.append(f"| {method} | {len(runs)} | " + " | ".join(cells) + f" | {_fmt(float(np.mean(regrets[:, 49])))} | "
                     f"{_fmt(float(np.max(regrets[:, 49])))} | {violations:.0f} | {seconds:.2f} |")
    lines.append("")
    if PEER in medians:
        for method in OURS:
            if method in medians:
                verdict = "at or below" if medians[method] <= medians[PEER] else "above"
                lines.append(f"- `{method}`: median regret at 50 evaluations {_fmt(medians[method])}, {verdict} "
                             f"GPSampler's {_fmt(medians[PEER])} ({len(methods[method])} and {len(methods[PEER])} seeds).")
        lines.append("")
    lines += paired_lines(methods, optimum)
    return lines


def paired_lines(methods: dict[str, dict[int, dict]], optimum: float) -> list[str]:
    """Seed by seed (same design): how often each HyperPower variant ends at or below GPSampler."""
    lines = []
    if PEER not in methods:
        return lines
    for method in OURS:
        if method not in methods:
            continue
        seeds = sorted(set(methods[method]) & set(methods[PEER]))
        ours = np.array([best_feasible(methods[method][s])[49] for s in seeds])
        peer = np.array([best_feasible(methods[PEER][s])[49] for s in seeds])
        wins = int(np.sum(ours <= peer))
        lines.append(f"- `{method}` against GPSampler seed by seed: at or below on {wins} of {len(seeds)} seeds; "
                     f"median of the difference (ours - GPSampler) {_fmt(float(np.median(ours - peer)))}.")
    return lines + [""]


def main() -> None:
    optima = json.loads((RESULTS / "optima.json").read_text())
    data = load()
    lines = ["# Issue 25: Gramacy and branin-disk against GPSampler, one initial design", "",
             "Generated by `benchmarks/optimizer/report_issue25.py` from `results/quality-issue25/`; do not edit.", "",
             "Every method starts from the same 10 points (`runners.shared_design`: the first 10 points of a scrambled "
             "Sobol sequence seeded by the run's seed, in the problem's bounds), then 40 suggestions; regret is the best "
             "feasible value minus the constrained optimum. A point counts as feasible within the problems' tolerance "
             "(1e-6 of max(1, |threshold|), `problems.FEASIBILITY_TOLERANCE`), so a regret can be slightly negative: "
             "differences below about 1e-6 are within that tolerance.", "",
             "| method | what it is |", "|---|---|"]
    lines += [f"| `{m}` | {DESCRIPTION[m]} |" for m in ORDER]
    lines += ["", "Commands:", "", COMMANDS, ""]
    for problem in sorted(data):
        lines += problem_section(problem, data[problem], optima[problem])
    (HERE / "ISSUE25.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
