"""Markdown tables and PNG plots from the cached benchmark results (results/)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from benchmarks.common.cache import load_runs

METHOD_ORDER = ["hw-ieci", "hw-ieci-warp", "hw-ieci-refresh-all", "hw-cwei", "rand", "rand-walk", "hw-ieci-unaware", "optuna-gp", "optuna-tpe", "ax-botorch", "random"]


def load_quality(results: Path, folder: str = "quality") -> dict[str, dict[str, list[dict]]]:
    """problem -> method -> list of run records (one per seed), from results/<folder>."""
    return load_runs(results / folder)


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


def load_speed(results: Path) -> dict[str, dict[tuple[int, int], dict]]:
    """engine -> (d, n) -> record, from results/speed/<engine>/d<d>_n<n>.json."""
    data: dict[str, dict[tuple[int, int], dict]] = {}
    for path in sorted((results / "speed").glob("*/d*_n*.json")):
        record = json.loads(path.read_text())
        data.setdefault(path.parent.name, {})[(record["dim"], record["n"])] = record
    return data


def speed_table(results: Path) -> str:
    """Seconds per suggestion, HyperPower / Optuna GPSampler in one cell (same run, same data)."""
    data = load_speed(results)
    if not data:
        return "(no speed results yet)\n"
    engines = [e for e in ("hyperpower", "optuna-gp") if e in data] + sorted(set(data) - {"hyperpower", "optuna-gp"})
    keys = {key for records in data.values() for key in records}
    sizes, dims = sorted({n for _, n in keys}), sorted({d for d, _ in keys})
    lines = [f"seconds per suggestion, median of the timed calls: {' / '.join(engines)}", "",
             "| d \\ n | " + " | ".join(str(n) for n in sizes) + " |", "|" + "---|" * (len(sizes) + 1)]
    for dim in dims:
        cells = []
        for n in sizes:
            values = [data[e].get((dim, n)) for e in engines]
            cells.append(" / ".join("-" if v is None else f"{np.median(v['seconds']):.2f}" for v in values))
        lines.append(f"| {dim} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def before_after_table(results: Path, before: str, optima: dict[str, float], checkpoint: int = 50) -> str:
    """Median regret @checkpoint and s/suggestion of every method run both in ``before`` and now."""
    old, new = load_quality(results, before), load_quality(results)
    lines = [f"| problem | method | seeds before / after | median regret @{checkpoint} before | after | mean regret @{checkpoint} before | after | s/suggestion before | after |",
             "|---|---|---|---|---|---|---|---|---|"]
    for problem in sorted(old):
        for method in sorted(old[problem], key=lambda m: METHOD_ORDER.index(m) if m in METHOD_ORDER else 99):
            if method not in new.get(problem, {}):
                continue
            cells = []
            for runs in (old[problem][method], new[problem][method]):
                regret = np.array([best_feasible_curve(r)[checkpoint - 1] for r in runs]) - optima.get(problem, math.nan)
                cells.append((len(runs), np.median(regret), np.mean(regret), np.median(np.concatenate([r["seconds"] for r in runs]))))
            (n0, med0, mean0, s0), (n1, med1, mean1, s1) = cells
            lines.append(f"| {problem} | {method} | {n0} / {n1} | {med0:.2e} | {med1:.2e} | {mean0:.2e} | {mean1:.2e} | {s0:.3f} | {s1:.3f} |")
    return "\n".join(lines) + "\n"


def idle_table(results: Path) -> str:
    """Worker idle time between jobs, background fitting off and on (worker_idle.py)."""
    records = [json.loads(p.read_text()) for p in sorted((results / "idle").glob("background_*.json"))]
    if not records:
        return "(no idle-time results yet)\n"
    lines = ["| background fit | workers | seeded results | new jobs | job length (s) | wall (s) | idle median (s) | idle mean (s) | idle 90th pct (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in sorted(records, key=lambda r: r["background_fit"]):
        idle = np.array(r["idle_s"])
        lines.append(f"| {'on' if r['background_fit'] else 'off'} | {r['workers']} | {r['seeded']} | {r['jobs']} | {r['job_s']:g} | "
                     f"{r['wall_s']:.1f} | {np.median(idle):.2f} | {idle.mean():.2f} | {np.percentile(idle, 90):.2f} |")
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

    data = load_speed(results)
    figure, axis = plt.subplots(figsize=(5.5, 4))
    for engine, style in (("hyperpower", "o-"), ("optuna-gp", "s--")):
        records = data.get(engine, {})
        for index, dim in enumerate(sorted({d for d, _ in records})):
            rows = sorted((r for (d, _), r in records.items() if d == dim), key=lambda r: r["n"])
            axis.plot([r["n"] for r in rows], [np.median(r["seconds"]) for r in rows], style, color=f"C{index}",
                      label=f"{engine} d = {dim}")
    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("observations n")
    axis.set_ylabel("seconds per suggestion")
    axis.legend(fontsize=7)
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def write_report(results: Path, optima: dict[str, float], checkpoints: tuple[int, ...]) -> None:
    data = load_quality(results)
    text = ("## Quality\n\n" + quality_tables(data, optima, checkpoints)
            + "\n## Quality before / after issue 18\n\n" + before_after_table(results, "quality-before-issue18", optima, checkpoints[-1])
            + "\n## Speed\n\n" + speed_table(results) + "\n## Worker idle time\n\n" + idle_table(results))
    (results / "summary.md").write_text(text)
    if data:
        plot_quality(data, optima, results / "quality.png")
    if (results / "speed").exists():
        plot_speed(results, results / "speed.png")
    print(text)
