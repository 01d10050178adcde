"""Markdown tables and PNG plots from the cached benchmark results (results/)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

METHOD_ORDER = ["hw-ieci", "hw-cwei", "rand", "rand-walk", "hw-ieci-unaware", "optuna-gp", "optuna-tpe", "ax-botorch", "random"]


def load_quality(results: Path) -> dict[str, dict[str, list[dict]]]:
    """problem -> method -> list of run records (one per seed)."""
    data: dict[str, dict[str, list[dict]]] = {}
    for path in sorted((results / "quality").glob("*/*/seed*.json")):
        problem, method = path.parent.parent.name, path.parent.name
        data.setdefault(problem, {}).setdefault(method, []).append(json.loads(path.read_text()))
    return data


def best_feasible_curve(record: dict) -> np.ndarray:
    """(evaluations,) best feasible value so far; +inf before the first feasible point."""
    values = np.where(record["feasible"], record["values"], np.inf)
    return np.minimum.accumulate(values)


def _quartiles(values: np.ndarray) -> str:
    if np.all(np.isinf(values)):
        return "none feasible"
    with np.errstate(invalid="ignore"):  # interpolating between two infinities gives NaN: it is ∞
        quartiles = np.percentile(values, [25, 50, 75])
    q1, median, q3 = np.where(np.isnan(quartiles), np.inf, quartiles)
    cell = f"{median:.4g} [{q1:.4g}, {q3:.4g}]"
    missing = int(np.isinf(values).sum())
    return cell.replace("inf", "∞") + (f" ({missing} none)" if missing else "")


def quality_tables(data: dict, optima: dict[str, float], checkpoints: tuple[int, ...]) -> str:
    lines = []
    for problem, methods in data.items():
        lines += [f"### {problem} (constrained optimum {optima.get(problem, math.nan):.4f})", ""]
        header = "| method | seeds | " + " | ".join(f"best feasible @{c}" for c in checkpoints)
        lines += [header + f" | median regret @{checkpoints[-1]} | violations @{checkpoints[-1]} | s/suggestion (median) |",
                  "|" + "---|" * (len(checkpoints) + 5)]
        for method in sorted(methods, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 99):
            runs = methods[method]
            curves = np.array([best_feasible_curve(r) for r in runs])
            cells = [_quartiles(curves[:, c - 1]) if curves.shape[1] >= c else "-" for c in checkpoints]
            last = min(checkpoints[-1], curves.shape[1])
            violations = np.array([np.sum(~np.array(r["feasible"][:last], dtype=bool)) for r in runs])
            q1, median, q3 = np.percentile(violations, [25, 50, 75])
            seconds = np.median(np.concatenate([r["seconds"] for r in runs]))
            regret = np.median(curves[:, last - 1]) - optima.get(problem, math.nan)
            lines.append(f"| {method} | {len(runs)} | " + " | ".join(cells)
                         + f" | {regret:.1e} | {median:.0f} [{q1:.0f}, {q3:.0f}] | {seconds:.3f} |")
        lines.append("")
    return "\n".join(lines)


def speed_table(results: Path) -> str:
    records = [json.loads(p.read_text()) for p in sorted((results / "speed").glob("*.json"))]
    if not records:
        return "(no speed results yet)\n"
    sizes = sorted({r["n"] for r in records})
    dims = sorted({r["dim"] for r in records})
    by_key = {(r["dim"], r["n"]): r for r in records}
    lines = ["| d \\ n | " + " | ".join(str(n) for n in sizes) + " |", "|" + "---|" * (len(sizes) + 1)]
    for dim in dims:
        cells = [f"{np.median(by_key[(dim, n)]['seconds']):.2f}" if (dim, n) in by_key else "-" for n in sizes]
        lines.append(f"| {dim} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot_quality(data: dict, optima: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(data), figsize=(5 * len(data), 4))
    for axis, (problem, methods) in zip(np.atleast_1d(axes), data.items()):
        optimum = optima.get(problem, 0.0)
        for method in sorted(methods, key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 99):
            regret = np.array([best_feasible_curve(r) for r in methods[method]]) - optimum
            regret = np.where(np.isinf(regret), np.nan, np.maximum(regret, 1e-6))
            median = np.nanmedian(regret, axis=0)
            steps = np.arange(1, len(median) + 1)
            style = "-" if method.startswith(("hw", "rand")) else "--"
            axis.plot(steps, median, style, label=f"{method} ({len(methods[method])})")
        axis.set_yscale("log")
        axis.set_title(problem)
        axis.set_xlabel("evaluations")
        axis.set_ylabel("median regret of best feasible")
        axis.grid(alpha=0.3)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def plot_speed(results: Path, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    records = [json.loads(p.read_text()) for p in (results / "speed").glob("*.json")]
    figure, axis = plt.subplots(figsize=(5, 4))
    for dim in sorted({r["dim"] for r in records}):
        rows = sorted((r for r in records if r["dim"] == dim), key=lambda r: r["n"])
        axis.plot([r["n"] for r in rows], [np.median(r["seconds"]) for r in rows], "o-", label=f"d = {dim}")
    axis.axhline(1.0, color="grey", lw=0.8, ls=":")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("observations n")
    axis.set_ylabel("seconds per suggestion (hw-ieci)")
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def write_report(results: Path, optima: dict[str, float], checkpoints: tuple[int, ...]) -> None:
    data = load_quality(results)
    text = "## Quality\n\n" + quality_tables(data, optima, checkpoints) + "\n## Speed\n\n" + speed_table(results)
    (results / "summary.md").write_text(text)
    if data:
        plot_quality(data, optima, results / "quality.png")
    if (results / "speed").exists():
        plot_speed(results, results / "speed.png")
    print(text)
