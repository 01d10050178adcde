"""RESULTS.md's tables and findings, and the plots (PNG under results/), from the cached runs.

Every number of the write-up's generated blocks is computed here: the tables and the findings read
the same per-method summaries (hypervolume of the points evaluated so far, at each cut), so the
prose cannot drift from the tables.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from benchmarks.common.cache import load_runs
from benchmarks.common.writeup import bullets, design_text, ratio_text, update
from hyperpower.optimize.pareto import hypervolume

#: suggestions timed for s/suggestion: after every method's initial design (Optuna GP: 10)
TIMED_FROM = 20
#: HyperPower's method on each kind of problem (a-priori latency model on the NAS problems)
OURS = ("ehvi", "ehvi-apriori")
REFERENCE_PEER = "optuna-gp"


def curve(record: dict, reference: list[float]) -> np.ndarray:
    """Hypervolume of the first k evaluations, k = 1..n."""
    values = np.array(record["values"])
    return np.array([hypervolume(values[:k], np.array(reference)) for k in range(1, len(values) + 1)])


def hypervolume_after(record: dict, reference: list[float], count: int) -> float | None:
    """Hypervolume of the first ``count`` evaluations (None when the run is shorter)."""
    if len(record["values"]) < count:
        return None
    return float(hypervolume(np.array(record["values"][:count]), np.array(reference)))


@dataclasses.dataclass
class MethodSummary:
    """Hypervolume at each cut (over the seeds that reached it) and timings of one method."""

    method: str
    runs: list[dict]
    at: dict[int, list[float]]
    final: list[float]
    initial_design: int | str | None

    @property
    def seeds(self) -> int:
        return len(self.runs)

    def median(self, cut: int) -> float:
        return float(np.median(self.at[cut])) if self.at[cut] else float("nan")

    @property
    def seconds(self) -> float:
        return float(np.median(np.concatenate([r["seconds"][TIMED_FROM:] for r in self.runs])))


def summaries(runs: dict[str, list[dict]], facts: dict, checkpoints: tuple[int, ...]) -> dict[str, MethodSummary]:
    """method -> summary on one problem, best final hypervolume first."""
    from runners import INITIAL_DESIGNS

    result = {}
    for method, records in runs.items():
        at = {cut: [h for h in (hypervolume_after(r, facts["reference"], cut) for r in records) if h is not None]
              for cut in checkpoints}
        final = [hypervolume_after(r, facts["reference"], len(r["values"])) for r in records]
        result[method] = MethodSummary(method, records, at, final,
                                       records[0].get("initial_design", INITIAL_DESIGNS.get(method)))
    return dict(sorted(result.items(), key=lambda item: -np.median(item[1].final)))


def hv_text(value: float) -> str:
    return f"{value:.1f}"


def _cell(samples: list[float]) -> str:
    if not samples:
        return "-"
    q1, median, q3 = np.percentile(samples, [25, 50, 75])
    return f"{hv_text(median)} [{hv_text(q1)}, {hv_text(q3)}]"


def table(name: str, facts: dict, methods: dict[str, MethodSummary], checkpoints: tuple[int, ...]) -> list[str]:
    last = checkpoints[-1]
    lines = [f"### {name} (optimum hypervolume {facts['optimum']:.2f}, reference {tuple(round(r, 2) for r in facts['reference'])})", "",
             "| method | seeds | initial design | " + " | ".join(f"HV @ {c}" for c in checkpoints)
             + f" | % of optimum @ {last} | s/suggestion | searches run / skipped, MCMC fits run / skipped (per suggestion) |",
             "|---|---|---|" + "---|" * (len(checkpoints) + 3)]
    for summary in methods.values():
        records = summary.runs
        cells = [_cell(summary.at[c]) for c in checkpoints]
        share = f"{np.median(summary.at[last]) / facts['optimum'] * 100:.1f}" if summary.at[last] else "-"
        stats = ""
        if records[0].get("stats"):
            total = {k: sum(r["stats"][k] for r in records) for k in records[0]["stats"]}
            suggestions = sum(len(r["values"]) - 5 for r in records)
            stats = (f"{total['searches'] / suggestions:.2f} / {total['searches_skipped'] / suggestions:.2f}, "
                     f"{total['mcmc_fits'] / suggestions:.2f} / {total['mcmc_skipped'] / suggestions:.2f}")
        lines.append(f"| {summary.method} | {summary.seeds} | {design_text(summary.initial_design)} | " + " | ".join(cells)
                     + f" | {share} | {summary.seconds:.3f} | {stats} |")
    return lines + [""]


def _against(ours: MethodSummary, peer: MethodSummary, checkpoints: tuple[int, ...]) -> str:
    return ", ".join(f"{hv_text(ours.median(c))} vs {hv_text(peer.median(c))} at {c}" for c in checkpoints
                     if ours.at[c] and peer.at[c])


def findings(problems: dict[str, dict[str, MethodSummary]], facts: dict, checkpoints: tuple[int, ...]) -> list[str]:
    """Per problem: the order at the last cut, HyperPower's method against GPSampler at every cut
    with both initial designs, and PABO against EHVI."""
    last = checkpoints[-1]
    sentences = []
    for name, methods in problems.items():
        reached = [s for s in methods.values() if s.at[last]]
        order = sorted(reached, key=lambda s: -s.median(last))
        sentences.append(f"**{name}**, median hypervolume after {last} evaluations: " + ", ".join(
            f"{s.method} {hv_text(s.median(last))} ({s.seeds} seeds)" for s in order) + ".")
        for ours in (methods[m] for m in OURS if m in methods):
            for peer in (methods[m] for m in (REFERENCE_PEER, f"{REFERENCE_PEER}-init5") if m in methods):
                ahead = sum(ours.median(c) >= peer.median(c) for c in checkpoints if ours.at[c] and peer.at[c])
                compared = sum(1 for c in checkpoints if ours.at[c] and peer.at[c])
                sentences.append(
                    f"{name}: {ours.method} ({design_text(ours.initial_design)} initial points) against {peer.method} "
                    f"({design_text(peer.initial_design)} startup trials): {_against(ours, peer, checkpoints)}; "
                    f"at or above it at {ahead} of {compared} cuts.")
        if "pabo" in methods and "ehvi" in methods:
            sentences.append(f"{name}: pabo reaches {hv_text(methods['pabo'].median(last))} after {last} evaluations "
                             f"against ehvi's {hv_text(methods['ehvi'].median(last))}.")
    models = [(name, fact["latency_model"]["rmspe_all_cells"]) for name, fact in facts.items() if "latency_model" in fact]
    if models:
        sentences.append("The a-priori latency model's RMSPE over all 15,625 cells: " + ", ".join(
            f"{name} {value:.1%}" for name, value in models) + ".")
    return sentences


def load_costs(results: Path) -> dict[str, dict[str, dict]]:
    """problem -> method -> the ``cost`` command's record."""
    costs: dict[str, dict[str, dict]] = {}
    for path in sorted((results / "cost").glob("*/*.json")):
        costs.setdefault(path.parent.name, {})[path.stem] = json.loads(path.read_text())
    return costs


COST_METHODS = ("ehvi", "pabo", "ehvi-apriori", "pabo-apriori", "optuna-gp")


def cost_table(costs: dict[str, dict[str, dict]]) -> str:
    lines = ["| problem | " + " | ".join(COST_METHODS) + " |", "|---|" + "---|" * len(COST_METHODS)]
    for problem, methods in costs.items():
        lines.append(f"| {problem} | " + " | ".join(
            f"{np.median(methods[m]['cpu_s']):.3f}" if m in methods else "-" for m in COST_METHODS) + " |")
    return "\n".join(lines) + "\n"


def cost_findings(costs: dict[str, dict[str, dict]]) -> list[str]:
    sentences = []
    for problem, methods in costs.items():
        first = ", ".join(f"{m} {methods[m]['first_cpu_s']:.1f} s" for m in COST_METHODS if m in methods and m != "optuna-gp")
        sentences.append(f"{problem}: first suggestion (MCMC burn-in, 100 sweeps per GP): {first}.")
        for ehvi, pabo in (("ehvi", "pabo"), ("ehvi-apriori", "pabo-apriori")):
            if ehvi in methods and pabo in methods:
                stats = methods[pabo]["stats"]
                sentences.append(
                    f"{problem}: {pabo} needs {ratio_text(np.median(methods[ehvi]['cpu_s']), np.median(methods[pabo]['cpu_s']))} "
                    f"less CPU per suggestion than {ehvi} ({np.median(methods[pabo]['cpu_s']):.3f} against "
                    f"{np.median(methods[ehvi]['cpu_s']):.3f} s); over its {len(methods[pabo]['cpu_s']) + 1} suggestions it ran "
                    f"{stats['searches']} of {stats['searches'] + stats['searches_skipped']} agent searches and "
                    f"{stats['mcmc_fits']} of {stats['mcmc_fits'] + stats['mcmc_skipped']} MCMC fits (the rest skipped: "
                    "front unchanged).")
    return sentences


def models_table(facts: dict) -> str:
    lines = ["| problem | device column | RMSPE in sample (50) | 10-fold CV RMSPE | RMSPE over all 15,625 cells |",
             "|---|---|---|---|---|"]
    for name, fact in facts.items():
        if "latency_model" in fact:
            m = fact["latency_model"]
            lines.append(f"| {name} | {m['device']} | {m['rmspe_in_sample']:.1%} | {m['rmspe_cv']:.1%} | {m['rmspe_all_cells']:.1%} |")
    return "\n".join(lines) + "\n"


def plot(runs: dict, facts: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in facts if n in runs]
    methods = sorted({m for name in names for m in runs[name]})
    colors = {m: f"C{i}" for i, m in enumerate(methods)}
    figure, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 4), squeeze=False)
    for axis, name in zip(axes[0], names):
        for method, records in sorted(runs[name].items()):
            curves = [curve(r, facts[name]["reference"]) / facts[name]["optimum"] for r in records]
            length = min(len(c) for c in curves)
            stacked = np.array([c[:length] for c in curves])
            x = np.arange(1, length + 1)
            line, = axis.plot(x, np.median(stacked, axis=0), label=f"{method} ({len(records)} seeds)", color=colors[method],
                              linestyle="--" if method.endswith("apriori") else "-")
            axis.fill_between(x, *np.percentile(stacked, [25, 75], axis=0), color=line.get_color(), alpha=0.12)
        axis.set_title(name)
        axis.set_xlabel("evaluations")
        axis.set_ylabel("hypervolume / optimum")
        axis.set_ylim(0, 1)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=6, loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def plot_fronts(runs: dict, facts: dict, path: Path, name: str = "nb201-gpu", seed: int = 0) -> None:
    """The 80-evaluation fronts of one seed on one NAS problem, against the true front."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from hyperpower.optimize.pareto import nondominated_mask

    if name not in runs:
        return
    figure, axis = plt.subplots(figsize=(6, 4.5))
    for method, records in sorted(runs[name].items()):
        if seed >= len(records):
            continue
        values = np.array(records[seed]["values"])
        front = values[nondominated_mask(values)]
        front = front[np.argsort(front[:, 0])]
        axis.step(front[:, 1], front[:, 0], where="post", marker=".", label=method,
                  linestyle="--" if method.endswith("apriori") else "-")
    axis.set_xlabel("latency (ms)")
    axis.set_ylabel("error (%)")
    axis.set_xlim(right=facts[name]["reference"][1])
    axis.set_ylim(top=facts[name]["reference"][0])
    axis.set_title(f"{name}: fronts after 80 evaluations, seed {seed}")
    axis.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def generated_blocks(results: Path, facts: dict, checkpoints: tuple[int, ...]) -> dict[str, str]:
    """Every generated block of RESULTS.md, by name."""
    runs = load_runs(results / "quality")
    problems = {name: summaries(runs[name], facts[name], checkpoints) for name in facts if name in runs}
    costs = load_costs(results)
    lines = []
    for name, methods in problems.items():
        lines += table(name, facts[name], methods, checkpoints)
    return {"hypervolume": "\n".join(lines), "findings": bullets(findings(problems, facts, checkpoints)),
            "models": models_table(facts), "cost": cost_table(costs), "cost-findings": bullets(cost_findings(costs))}


def write_report(results: Path, facts: dict, checkpoints: tuple[int, ...]) -> None:
    """Rewrite RESULTS.md's generated blocks and the plots."""
    update(results.parent / "RESULTS.md", generated_blocks(results, facts, checkpoints))
    runs = load_runs(results / "quality")
    plot(runs, facts, results / "hypervolume.png")
    plot_fronts(runs, facts, results / "fronts_nb201-gpu.png")
    print(f"wrote {results.parent / 'RESULTS.md'} and the plots in {results}")
