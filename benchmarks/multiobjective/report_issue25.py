"""ISSUE25.md: PABO against EHVI on Branin-Currin, and EHVI's cost with three to five objectives.

Every number in the page is computed here from the result files, so the page is regenerated,
never edited:

    python benchmarks/multiobjective/report_issue25.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent.parent)]

from report import curve  # noqa: E402

RESULTS = HERE / "results"
PROBLEM = "branin-currin"
CHECKPOINTS = (20, 40, 80)
INITIAL = 5
HV_GOAL, COST_GOAL = 0.90, 10.0

COMMANDS = """```
P=.venv/bin/python R=benchmarks/multiobjective/run_benchmarks.py
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
nice $P $R quality --problems branin-currin --methods pabo ehvi --seeds 5 --folder quality-issue25
nice $P $R cost --problems branin-currin --methods ehvi pabo --folder cost-issue25              # n = 40
nice $P $R cost --problems branin-currin --methods ehvi pabo --size 70 --folder cost-issue25-n70
nice $P benchmarks/multiobjective/ehvi_scaling.py --objectives 3 4 5 --label after --accuracy
BEFORE=$(mktemp -d) && git archive 70f746a hyperpower | tar -x -C $BEFORE     # the code before issue 25
PYTHONPATH=$BEFORE nice $P benchmarks/multiobjective/ehvi_scaling.py --objectives 3 --rounds 1 --label before
$P benchmarks/multiobjective/report_issue25.py                                                   # this page
```"""


def _runs(folder: str, method: str) -> dict[int, dict]:
    paths = sorted((RESULTS / folder / PROBLEM / method).glob("seed*.json"))
    return {int(p.stem.removeprefix("seed")): json.loads(p.read_text()) for p in paths}


def _cell(values: list[float]) -> str:
    if not values:
        return "-"
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return f"{median:.2f} [{q1:.2f}, {q3:.2f}]"


def _mean_cpu(runs: dict[int, dict], start: int = INITIAL, stop: int | None = None) -> float | None:
    """Mean process time per suggestion after the initial design (None for runs without it)."""
    if not runs or any("cpu_seconds" not in r for r in runs.values()):
        return None
    return float(np.mean(np.concatenate([r["cpu_seconds"][start:stop] for r in runs.values()])))


def _phases(pabo: dict[int, dict], ehvi: dict[int, dict], first: int = INITIAL) -> str:
    """The CPU ratio up to 50 results (every MCMC sample fresh for ehvi) and past them."""
    parts = []
    for label, start, stop in ((f"evaluations {first + 1}-50", first, 50), ("51-80", 50, None)):
        ours, theirs = _mean_cpu(pabo, start, stop), _mean_cpu(ehvi, start, stop)
        parts.append(f"{label} {theirs:.4f} / {ours:.4f} s = {theirs / ours:.1f}x")
    return ", ".join(parts)


def quality_section(facts: dict) -> list[str]:
    reference = facts[PROBLEM]["reference"]
    rows = [("pabo", "quality-issue25", "this branch"), ("ehvi", "quality-issue25", "this branch"),
            ("pabo", "quality", "before issue 25"), ("ehvi", "quality", "before issue 25")]
    lines = ["## PABO against EHVI on Branin-Currin (80 evaluations)", "",
             f"Reference {tuple(reference)}, optimum hypervolume {facts[PROBLEM]['optimum']:.2f}. Cells: median "
             "[first quartile, third quartile] over seeds of the hypervolume of every point evaluated so far; "
             f"s/suggestion: median wall seconds from evaluation {INITIAL + 1} on (the machine was shared and loaded: the "
             "CPU-time table below is the cost measure).", "",
             "| method | code | seeds | " + " | ".join(f"HV @ {c}" for c in CHECKPOINTS)
             + " | s/suggestion (wall, median) | CPU s/suggestion (mean) |",
             "|---|---|---|" + "---|" * (len(CHECKPOINTS) + 2)]
    finals: dict[str, dict[int, float]] = {}
    for method, folder, label in rows:
        runs = _runs(folder, method)
        if not runs:
            continue
        curves = {seed: curve(record, reference) for seed, record in runs.items()}
        cells = [_cell([c[k - 1] for c in curves.values() if len(c) >= k]) for k in CHECKPOINTS]
        seconds = np.median(np.concatenate([r["seconds"][INITIAL:] for r in runs.values()]))
        cpu = _mean_cpu(runs)
        lines.append(f"| {method} | {label} | {len(runs)} | " + " | ".join(cells) + f" | {seconds:.3f} | "
                     + ("-" if cpu is None else f"{cpu:.4f}") + " |")
        if folder == "quality-issue25":
            finals[method] = {seed: c[CHECKPOINTS[-1] - 1] for seed, c in curves.items() if len(c) >= CHECKPOINTS[-1]}
    lines.append("")
    pabo, ehvi = _runs("quality-issue25", "pabo"), _runs("quality-issue25", "ehvi")
    shared = sorted(set(pabo) & set(ehvi))
    same = all(np.allclose(pabo[s]["values"][:INITIAL], ehvi[s]["values"][:INITIAL]) for s in shared)
    lines.append(f"Initial design: the first {INITIAL} evaluations are {'identical' if same else 'NOT identical'} for "
                 f"`pabo` and `ehvi` on the {len(shared)} seeds both ran (the runner's uniform points, same seed).")
    if "pabo" in finals and "ehvi" in finals:
        seeds = sorted(set(finals["pabo"]) & set(finals["ehvi"]))
        ratio = np.median([finals["pabo"][s] for s in seeds]) / np.median([finals["ehvi"][s] for s in seeds])
        per_seed = [finals["pabo"][s] / finals["ehvi"][s] for s in seeds]
        verdict = "within" if ratio >= HV_GOAL else "NOT within"
        lines += ["", f"**Hypervolume at 80 evaluations: `pabo`'s median is {ratio:.1%} of `ehvi`'s** ({len(seeds)} seeds; "
                  f"seed by seed {min(per_seed):.1%} to {max(per_seed):.1%}): {verdict} the 10% the issue allows."]
        cpu_pabo, cpu_ehvi = _mean_cpu(pabo), _mean_cpu(ehvi)
        if cpu_pabo and cpu_ehvi:
            factor = cpu_ehvi / cpu_pabo
            lines += ["", f"**CPU per suggestion over these runs** (process time of each of the 75 suggestions after the "
                      f"initial design, averaged over every suggestion of every seed): `ehvi` {cpu_ehvi:.4f} s, `pabo` "
                      f"{cpu_pabo:.4f} s, **{factor:.1f}x less for `pabo`** ({'at least' if factor >= COST_GOAL else 'LESS than'} "
                      f"the {COST_GOAL:.0f}x the issue asks). By phase: " + _phases(pabo, ehvi) + ". Without each run's "
                      f"first model-based suggestion, which burns both methods' MCMC chains in (100 sweeps per GP): "
                      f"`ehvi` {_mean_cpu(ehvi, INITIAL + 1):.4f} s, `pabo` {_mean_cpu(pabo, INITIAL + 1):.4f} s, "
                      f"{_mean_cpu(ehvi, INITIAL + 1) / _mean_cpu(pabo, INITIAL + 1):.1f}x; by phase "
                      + _phases(pabo, ehvi, INITIAL + 1) + "."]
    return lines + [""]


def cost_section() -> list[str]:
    lines = ["## CPU seconds per suggestion (`cost` command)", "",
             "A warm strategy continuing a run from n uniform evaluations for 8 sequential suggestions; "
             "`time.process_time` of each suggestion (fit + acquisition), median over the 8, the first suggestion (MCMC "
             "burn-in) excluded and shown apart. Both methods in one process, one after the other, one BLAS thread.", "",
             "| n | ehvi | pabo | ehvi / pabo | first suggestion ehvi / pabo |", "|---|---|---|---|---|"]
    verdicts = []
    for folder in ("cost-issue25", "cost-issue25-n70"):
        records = {m: json.loads((RESULTS / folder / PROBLEM / f"{m}.json").read_text())
                   for m in ("ehvi", "pabo") if (RESULTS / folder / PROBLEM / f"{m}.json").exists()}
        if len(records) < 2:
            continue
        ehvi, pabo = (float(np.median(records[m]["cpu_s"])) for m in ("ehvi", "pabo"))
        lines.append(f"| {records['ehvi']['size']} | {ehvi:.4f} | {pabo:.4f} | {ehvi / pabo:.1f}x | "
                     f"{records['ehvi']['first_cpu_s']:.2f} / {records['pabo']['first_cpu_s']:.2f} |")
        verdicts.append(f"{ehvi / pabo:.1f}x at n = {records['ehvi']['size']}")
    old = {m: json.loads((RESULTS / "cost" / PROBLEM / f"{m}.json").read_text()) for m in ("ehvi", "pabo")
           if (RESULTS / "cost" / PROBLEM / f"{m}.json").exists()}
    if len(old) == 2:
        ehvi, pabo = (float(np.median(old[m]["cpu_s"])) for m in ("ehvi", "pabo"))
        lines.append(f"| {old['ehvi']['size']} (before issue 25, `results/cost/`, another day's load) | {ehvi:.4f} | {pabo:.4f} | "
                     f"{ehvi / pabo:.1f}x | {old['ehvi']['first_cpu_s']:.2f} / {old['pabo']['first_cpu_s']:.2f} |")
    if verdicts:
        lines += ["", f"**`pabo` costs less CPU per suggestion than `ehvi` by {', '.join(verdicts)}** "
                  f"(the issue asks for at least {COST_GOAL:.0f}x)."]
    return lines + [""]


def scaling_section() -> list[str]:
    folder = RESULTS / "ehvi-scaling"
    records = {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.exists() else {}
    runs = {k: v for k, v in records.items() if not k.startswith("accuracy")}
    if not runs:
        return []
    lines = ["## EHVI with three, four and five objectives at 100 front points (issue 25.5)", "",
             "`ehvi_scaling.py`: DTLZ2 (m objectives, m + 2 inputs) seeded with 100 results on its front and 50 uniform "
             "ones; `ehvi` (default settings) then suggests, each suggestion evaluated and added. CPU seconds per "
             "suggestion (`time.process_time`, median, burn-in apart); boxes: how many the free region is cut into "
             "(before issue 25: the grid of the front's coordinates, (k+1)^(m-1)); past 16,384 boxes EHVI is a Monte Carlo "
             "estimate over 2,048 points, whatever the front's size.", "",
             "| code | objectives | front points | boxes | EHVI | CPU s per suggestion | first suggestion (burn-in) |",
             "|---|---|---|---|---|---|---|"]
    for name, record in sorted(runs.items(), key=lambda item: (item[1]["objectives"], item[0])):
        label = "before issue 25" if name.startswith("before") else "this branch"
        kind = "exact" if all(record["exact"]) else "Monte Carlo (2,048 points)"
        lines.append(f"| {label} | {record['objectives']} | {record['front']} | {int(np.median(record['boxes'])):,} | {kind} | "
                     f"{np.median(record['cpu_s']):.2f} | {record['first_cpu_s']:.2f} |")
    accuracy = [v for k, v in sorted(records.items()) if k.startswith("accuracy")]
    if accuracy:
        lines += ["", "The Monte Carlo estimate against the exact value (computed without the box limit), 400 candidate "
                  "posteriors around a 100-point DTLZ2 front (means within N(0, 0.08^2) of front points, standard "
                  "deviations 0.01, 0.05 or 0.2):", "",
                  "| objectives | within 4 stated errors | best 10: median relative error | best 10: median stated relative error | "
                  "estimate's pick: exact EHVI / best | exact: CPU s | estimate: CPU s |", "|---|---|---|---|---|---|---|"]
        for a in accuracy:
            lines.append(f"| {a['objectives']} | {a['within_4_errors']:.1%} | {a['top10_relative_error']:.2%} | "
                         f"{a['top10_stated_relative_error']:.2%} | {a['best_ratio']:.3f} | {a['exact_cpu_s']:.2f} | {a['estimate_cpu_s']:.2f} |")
    return lines + [""]


def main() -> None:
    facts = json.loads((RESULTS / "problems.json").read_text())
    lines = ["# Issue 25, parts 4 and 5: PABO worth its name, EHVI that scales", "",
             "Generated by `benchmarks/multiobjective/report_issue25.py` from `results/quality-issue25/`, "
             "`results/cost-issue25*/`, `results/ehvi-scaling/` (and, for the rows marked before issue 25, `results/quality/` "
             "and `results/cost/`); do not edit.", "", "Commands:", "", COMMANDS, ""]
    lines += quality_section(facts) + cost_section() + scaling_section()
    (HERE / "ISSUE25.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
