"""Tables (markdown, printed) and plots (PNG under results/) from the cached runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks.common.cache import load_runs
from hyperpower.optimize.pareto import hypervolume

#: suggestions timed for s/suggestion: after every method's initial design (Optuna GP: 10)
TIMED_FROM = 20


def curve(record: dict, reference: list[float]) -> np.ndarray:
    """Hypervolume of the first k evaluations, k = 1..n."""
    values = np.array(record["values"])
    return np.array([hypervolume(values[:k], np.array(reference)) for k in range(1, len(values) + 1)])


def _cell(samples: list[float]) -> str:
    if not samples:
        return "-"
    q1, median, q3 = np.percentile(samples, [25, 50, 75])
    return f"{median:.1f} [{q1:.1f}, {q3:.1f}]"


def table(name: str, facts: dict, methods: dict[str, list[dict]], checkpoints: tuple[int, ...]) -> list[str]:
    lines = [f"### {name} (optimum hypervolume {facts['optimum']:.2f}, reference {tuple(round(r, 2) for r in facts['reference'])})", "",
             "| method | seeds | " + " | ".join(f"HV @ {c}" for c in checkpoints) + " | % of optimum @ 80 | s/suggestion | searches run / skipped, MCMC fits run / skipped (per suggestion) |",
             "|---|---|" + "---|" * (len(checkpoints) + 3)]
    order = sorted(methods, key=lambda m: -np.median([curve(r, facts["reference"])[-1] for r in methods[m]]))
    for method in order:
        records = methods[method]
        curves = [curve(r, facts["reference"]) for r in records]
        cells = [_cell([c[k - 1] for c in curves if len(c) >= k]) for k in checkpoints]
        final = [c[-1] / facts["optimum"] * 100 for c in curves if len(c) >= checkpoints[-1]]
        seconds = np.concatenate([r["seconds"][TIMED_FROM:] for r in records])
        stats = ""
        if records[0].get("stats"):
            total = {k: sum(r["stats"][k] for r in records) for k in records[0]["stats"]}
            suggestions = sum(len(r["values"]) - 5 for r in records)
            stats = (f"{total['searches'] / suggestions:.2f} / {total['searches_skipped'] / suggestions:.2f}, "
                     f"{total['mcmc_fits'] / suggestions:.2f} / {total['mcmc_skipped'] / suggestions:.2f}")
        lines.append(f"| {method} | {len(records)} | " + " | ".join(cells)
                     + f" | {np.median(final):.1f} | {np.median(seconds):.3f} | {stats} |" if final else
                     f"| {method} | {len(records)} | " + " | ".join(cells) + f" | - | {np.median(seconds):.3f} | {stats} |")
    return lines + [""]


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


def write_report(results: Path, facts: dict, checkpoints: tuple[int, ...]) -> None:
    runs = load_runs(results / "quality")
    lines = []
    for name in facts:
        if name in runs:
            lines += table(name, facts[name], runs[name], checkpoints)
    models = ["| problem | device column | RMSPE in sample (50) | 10-fold CV RMSPE | RMSPE over all 15,625 cells |", "|---|---|---|---|---|"]
    for name, fact in facts.items():
        if "latency_model" in fact:
            m = fact["latency_model"]
            models.append(f"| {name} | {m['device']} | {m['rmspe_in_sample']:.1%} | {m['rmspe_cv']:.1%} | {m['rmspe_all_cells']:.1%} |")
    print("\n".join(lines + ["### A-priori latency models", ""] + models))
    plot(runs, facts, results / "hypervolume.png")
    plot_fronts(runs, facts, results / "fronts_nb201-gpu.png")
