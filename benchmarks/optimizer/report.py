"""RESULTS.md's tables and findings, and the PNG plots, from the cached results (results/).

Every number of the write-up's generated blocks is computed here from the result files: the
tables, and the findings (one sentence per claim) from the same per-method summaries, so the
prose cannot drift from the tables. The hand-written text around the blocks explains the set-up.
"""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np

from benchmarks.common.cache import load_runs
from benchmarks.common.writeup import bullets, count_of, design_text, update

METHOD_ORDER = ["hw-ieci", "hw-ieci-warp", "hw-ieci-refresh-all", "hw-cwei", "rand", "rand-walk", "hw-ieci-unaware",
                "optuna-gp", "optuna-gp-init5", "optuna-tpe", "ax-botorch", "random"]
#: HyperPower's methods that read the a-priori models (they must never evaluate a rejected point)
AWARE = ("hw-ieci", "hw-cwei", "rand", "rand-walk")
#: the peers, for "HyperPower against the best peer"
PEERS = ("optuna-gp", "optuna-gp-init5", "optuna-tpe", "ax-botorch")
#: problems whose constraints are known a priori (a model), where aware methods must not violate
KNOWN_CONSTRAINTS = ("branin-disk", "hartmann6-power")
#: the runs compared by "with and without the rolling pool" and by the engine variants: quality/
#: holds the engine without the pool (the shipped default at these sizes, equal to before issue 18)
WITHOUT_POOL, POOL, REFRESH_ALL = "quality", "quality-rolling-pool-15", "quality-refresh-all-check"


def _order(method: str) -> int:
    return METHOD_ORDER.index(method) if method in METHOD_ORDER else len(METHOD_ORDER)


def best_feasible_curve(record: dict) -> np.ndarray:
    """(evaluations,) best feasible value so far; +inf before the first feasible point."""
    values = np.where(record["feasible"], record["values"], np.inf)
    return np.minimum.accumulate(values)


@dataclasses.dataclass
class MethodSummary:
    """What the tables and the findings say about one method on one problem."""

    method: str
    runs: list[dict]
    optimum: float
    initial_design: int | str | None

    @property
    def seeds(self) -> int:
        return len(self.runs)

    @property
    def curves(self) -> np.ndarray:
        return np.array([best_feasible_curve(r) for r in self.runs])

    def regret(self, evaluations: int) -> float:
        """Median over seeds of the best feasible value after ``evaluations``, minus the optimum."""
        curves = self.curves
        return float(np.median(curves[:, min(evaluations, curves.shape[1]) - 1]) - self.optimum)

    def mean_regret(self, evaluations: int) -> float:
        curves = self.curves
        return float(np.mean(curves[:, min(evaluations, curves.shape[1]) - 1]) - self.optimum)

    def violations(self, evaluations: int) -> np.ndarray:
        return np.array([np.sum(~np.array(r["feasible"][:evaluations], dtype=bool)) for r in self.runs])

    def median_violations(self, evaluations: int) -> float:
        return float(np.median(self.violations(evaluations)))

    @property
    def seconds(self) -> float:
        return float(np.median(np.concatenate([r["seconds"] for r in self.runs])))


def summaries(runs: dict[str, dict[str, list[dict]]], optima: dict[str, float]) -> dict[str, dict[str, MethodSummary]]:
    """problem -> method -> summary, methods in the write-up's order."""
    from runners import INITIAL_DESIGNS

    return {problem: {method: MethodSummary(method, methods[method], optima.get(problem, math.nan),
                                            methods[method][0].get("initial_design", INITIAL_DESIGNS.get(method)))
                      for method in sorted(methods, key=_order)}
            for problem, methods in runs.items()}


def regret_text(value: float) -> str:
    return f"{value:.1e}"


def _quartiles(values: np.ndarray) -> str:
    if np.all(np.isinf(values)):
        return "none feasible"
    with np.errstate(invalid="ignore"):  # interpolating between two infinities gives NaN: it is ∞
        quartiles = np.percentile(values, [25, 50, 75])
    q1, median, q3 = np.where(np.isnan(quartiles), np.inf, quartiles)
    cell = f"{median:.4g} [{q1:.4g}, {q3:.4g}]"
    missing = int(np.isinf(values).sum())
    return cell.replace("inf", "∞") + (f" ({missing} none)" if missing else "")


def quality_tables(problems: dict[str, dict[str, MethodSummary]], optima: dict[str, float],
                   checkpoints: tuple[int, ...]) -> str:
    last = checkpoints[-1]
    lines = []
    for problem, methods in problems.items():
        lines += [f"### {problem} (constrained optimum {optima.get(problem, math.nan):.4f})", "",
                  "| method | seeds | initial design | " + " | ".join(f"best feasible @{c}" for c in checkpoints)
                  + f" | median regret @{last} | violations @{last} | s/suggestion (median) |",
                  "|" + "---|" * (len(checkpoints) + 6)]
        for summary in methods.values():
            curves = summary.curves
            cells = [_quartiles(curves[:, c - 1]) if curves.shape[1] >= c else "-" for c in checkpoints]
            q1, median, q3 = np.percentile(summary.violations(last), [25, 50, 75])
            lines.append(f"| {summary.method} | {summary.seeds} | {design_text(summary.initial_design)} | "
                         + " | ".join(cells) + f" | {regret_text(summary.regret(last))} | {median:.0f} [{q1:.0f}, {q3:.0f}] "
                         f"| {summary.seconds:.3f} |")
        lines.append("")
    return "\n".join(lines)


def _with_seeds(summary: MethodSummary, value: str) -> str:
    return f"{summary.method} {value} ({summary.seeds} seed{'s' if summary.seeds != 1 else ''})"


def quality_findings(problems: dict[str, dict[str, MethodSummary]], evaluations: int) -> list[str]:
    """One sentence per problem (who leads, HW-IECI against the best peer), then violations of
    the aware methods, HW-CWEI against HW-IECI, and the equal-initial-design check."""
    sentences = []
    for problem, methods in problems.items():
        ranked = sorted(methods.values(), key=lambda s: s.regret(evaluations))
        best = ranked[0]
        peers = [s for s in ranked if s.method in PEERS]
        text = (f"**{problem}**: the lowest median regret at {evaluations} evaluations is "
                f"{_with_seeds(best, regret_text(best.regret(evaluations)))}")
        if "hw-ieci" in methods and best.method != "hw-ieci":
            text += f"; hw-ieci {regret_text(methods['hw-ieci'].regret(evaluations))}"
        if peers:
            peer = peers[0]
            text += f"; the best peer is {_with_seeds(peer, regret_text(peer.regret(evaluations)))}"
        sentences.append(text + ".")
    for problem in KNOWN_CONSTRAINTS:
        if problem in problems:
            aware = [s for m, s in problems[problem].items() if m in AWARE]
            sentences.append(f"Median violations in {evaluations} evaluations on {problem}, whose constraint the "
                             "aware methods know from a model: " + ", ".join(
                                 f"{s.method} {s.median_violations(evaluations):.0f}" for s in aware) + ".")
    for problem, methods in problems.items():
        if "hw-ieci" in methods and "hw-cwei" in methods:
            ieci, cwei = methods["hw-ieci"], methods["hw-cwei"]
            sentences.append(f"HW-CWEI against HW-IECI on {problem}: median regret {regret_text(cwei.regret(evaluations))} "
                             f"against {regret_text(ieci.regret(evaluations))}, median violations "
                             f"{cwei.median_violations(evaluations):.0f} against {ieci.median_violations(evaluations):.0f}.")
    for problem, methods in problems.items():
        if "optuna-gp" in methods and "optuna-gp-init5" in methods:
            default, equal = methods["optuna-gp"], methods["optuna-gp-init5"]
            sentences.append(
                f"Equal initial designs on {problem}: {_with_seeds(equal, regret_text(equal.regret(evaluations)))}, "
                f"GPSampler with HyperPower's {equal.initial_design} random startup trials; "
                f"{_with_seeds(default, regret_text(default.regret(evaluations)))} with its default "
                f"{default.initial_design}; hw-ieci ({methods['hw-ieci'].initial_design} initial points) "
                f"{regret_text(methods['hw-ieci'].regret(evaluations))}.")
    return sentences


def nan_findings(problems: dict[str, dict[str, MethodSummary]], evaluations: int) -> list[str]:
    """On problems whose objective can be NaN: NaN results per run, and how many seeds end within
    5 % of the optimum."""
    sentences = []
    for problem, methods in problems.items():
        if not any(np.isnan(r["values"]).any() for s in methods.values() for r in s.runs):
            continue
        counts = ", ".join(
            f"{s.method} {np.median([np.isnan(r['values'][:evaluations]).sum() for r in s.runs]):g} "
            f"({np.median([np.isnan(r['values'][evaluations // 2:evaluations]).sum() for r in s.runs]):g})"
            for s in methods.values())
        sentences.append(f"NaN results on {problem} in {evaluations} evaluations, median over seeds (in the last "
                         f"{evaluations - evaluations // 2} in brackets): {counts}.")
        optimum = next(iter(methods.values())).optimum
        within = ", ".join(
            f"{s.method} {count_of(s.curves[:, evaluations - 1] <= optimum + 0.05 * abs(optimum))[0]} of {s.seeds}"
            for s in methods.values())
        sentences.append(f"Seeds within 5 % of {problem}'s optimum after {evaluations} evaluations: {within}.")
    return sentences


def rescoring_findings(problems: dict[str, dict[str, MethodSummary]]) -> list[str]:
    """Runs whose feasibility flags ``rescore_ax_log.py`` re-marked (points on a budget's boundary)."""
    sentences = []
    for problem, methods in problems.items():
        for summary in methods.values():
            rescored = [r["rescored_from_log"] for r in summary.runs if "rescored_from_log" in r]
            if rescored:
                sentences.append(f"{summary.method} on {problem}: {', '.join(str(r['flags_changed']) for r in rescored)} "
                                 f"boundary points per seed re-marked feasible by rescore_ax_log.py "
                                 f"(tolerance {rescored[0]['tolerance_W']:g} W); the table counts them as rescored.")
    return sentences


def load_speed(results: Path, folder: str = "speed") -> dict[str, dict[tuple[int, int], dict]]:
    """engine -> (d, n) -> record, from results/<folder>/<engine>/d<d>_n<n>.json."""
    data: dict[str, dict[tuple[int, int], dict]] = {}
    for path in sorted((results / folder).glob("*/d*_n*.json")):
        record = json.loads(path.read_text())
        data.setdefault(path.parent.name, {})[(record["dim"], record["n"])] = record
    return data


def speed_points(data: dict) -> list[tuple[int, int, float, float]]:
    """(d, n, HyperPower's median seconds, GPSampler's) at every point both engines measured."""
    hyperpower, optuna = data.get("hyperpower", {}), data.get("optuna-gp", {})
    return [(d, n, float(np.median(hyperpower[(d, n)]["seconds"])), float(np.median(optuna[(d, n)]["seconds"])))
            for d, n in sorted(set(hyperpower) & set(optuna))]


def speed_table(results: Path, folder: str = "speed") -> str:
    """Seconds per suggestion, HyperPower / Optuna GPSampler in one cell (same run, same data)."""
    data = load_speed(results, folder)
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


def speed_findings(results: Path) -> list[str]:
    points = speed_points(load_speed(results))
    if not points:
        return []
    at_or_below, total = count_of(ours <= theirs for _, _, ours, theirs in points)
    losses = [f"d = {d}, n = {n} ({ours:.2f} / {theirs:.2f} s)" for d, n, ours, theirs in points if ours > theirs]
    largest = max(n for _, n, _, _ in points)
    at_largest = [f"d = {d}: {ours:.2f} / {theirs:.2f} s" for d, n, ours, theirs in points if n == largest]
    return [f"HyperPower's hw-ieci suggests at or below GPSampler's time at {at_or_below} of {total} (d, n) points"
            + (f"; it is slower at {', '.join(losses)}." if losses else "."),
            f"At n = {largest:,} (HyperPower / GPSampler): {'; '.join(at_largest)}."]


def before_after_table(results: Path, optima: dict[str, float], checkpoint: int = 50) -> str:
    """Median and mean regret @checkpoint and s/suggestion of every method run both without the
    rolling pool (the shipped default at these sizes, equal to before issue 18) and with it from 15."""
    old, new = summaries(load_runs(results / WITHOUT_POOL), optima), summaries(load_runs(results / POOL), optima)
    lines = [f"| problem | method | seeds without / with | median regret @{checkpoint} without | with | "
             f"mean regret @{checkpoint} without | with | s/suggestion without | with |",
             "|---|---|---|---|---|---|---|---|---|"]
    for problem in sorted(old):
        for method, before in old[problem].items():
            after = new.get(problem, {}).get(method)
            if after is None:
                continue
            lines.append(f"| {problem} | {method} | {before.seeds} / {after.seeds} | {before.regret(checkpoint):.2e} | "
                         f"{after.regret(checkpoint):.2e} | {before.mean_regret(checkpoint):.2e} | "
                         f"{after.mean_regret(checkpoint):.2e} | {before.seconds:.3f} | {after.seconds:.3f} |")
    return "\n".join(lines) + "\n"


def before_after_findings(results: Path, optima: dict[str, float], checkpoint: int = 50) -> list[str]:
    old, new = summaries(load_runs(results / WITHOUT_POOL), optima), summaries(load_runs(results / POOL), optima)
    pairs = [(problem, method, before, new[problem][method]) for problem in sorted(old)
             for method, before in old[problem].items() if method in new.get(problem, {})]
    better = [f"{p} {m} ({a.regret(checkpoint):.2e} against {b.regret(checkpoint):.2e})" for p, m, b, a in pairs
              if a.regret(checkpoint) < b.regret(checkpoint)]
    worse = [f"{p} {m} ({a.regret(checkpoint):.2e} against {b.regret(checkpoint):.2e})" for p, m, b, a in pairs
             if a.regret(checkpoint) > b.regret(checkpoint)]
    same = len(pairs) - len(better) - len(worse)
    return [f"With the rolling pool from 15 results, the median regret at {checkpoint} evaluations is lower for "
            f"{len(better)} of {len(pairs)} (problem, method) pairs: {'; '.join(better) or 'none'}.",
            f"It is higher for {len(worse)}: {'; '.join(worse) or 'none'}; {same} are unchanged."]


#: (label, results folder, method) of the engine-variant table: warping, fresh samples, the pool
VARIANTS = (("hw-ieci, rolling pool from 15", POOL, "hw-ieci"), ("hw-ieci-warp, rolling pool from 15", POOL, "hw-ieci-warp"),
            ("hw-ieci-refresh-all (every sample fresh)", REFRESH_ALL, "hw-ieci-refresh-all"),
            ("hw-ieci, shipped default", "quality", "hw-ieci"), ("optuna-gp", "quality", "optuna-gp"))


def _variants(results: Path, optima: dict[str, float]) -> dict[str, list[tuple[str, MethodSummary]]]:
    """problem -> (label, summary) of every variant run on it (the problems warping ran on)."""
    folders = {folder: summaries(load_runs(results / folder), optima) for folder in {f for _, f, _ in VARIANTS}}
    problems = sorted(p for p, methods in folders[POOL].items() if "hw-ieci-warp" in methods)
    return {problem: [(label, folders[folder][problem][method]) for label, folder, method in VARIANTS
                      if method in folders[folder].get(problem, {})] for problem in problems}


def variants_table(results: Path, optima: dict[str, float]) -> str:
    lines = ["| problem | variant | seeds | median regret @25 | median regret @50 | mean regret @50 | s/suggestion |",
             "|---|---|---|---|---|---|---|"]
    for problem, rows in _variants(results, optima).items():
        for label, s in rows:
            lines.append(f"| {problem} | {label} | {s.seeds} | {s.regret(25):.2e} | {s.regret(50):.2e} | "
                         f"{s.mean_regret(50):.2e} | {s.seconds:.3f} |")
    return "\n".join(lines) + "\n"


def variants_findings(results: Path, optima: dict[str, float]) -> list[str]:
    sentences = []
    for problem, rows in _variants(results, optima).items():
        by_label = dict(rows)
        plain, warp = by_label[VARIANTS[0][0]], by_label[VARIANTS[1][0]]
        sentences.append(f"Input warping on {problem}: median regret {warp.regret(25):.2e} / {warp.regret(50):.2e} "
                         f"at 25 / 50 evaluations against {plain.regret(25):.2e} / {plain.regret(50):.2e} without "
                         "(both with the rolling pool from 15), "
                         f"at {warp.seconds:.3f} against {plain.seconds:.3f} s per suggestion.")
        if VARIANTS[2][0] in by_label and VARIANTS[3][0] in by_label:
            fresh, default = by_label[VARIANTS[2][0]], by_label[VARIANTS[3][0]]
            identical = np.array_equal(fresh.curves, default.curves)
            sentences.append(f"On {problem} every sample drawn afresh (hw-ieci-refresh-all, the shipped default at "
                             f"these sizes) {'reproduces' if identical else 'does not reproduce'} the runs without the "
                             f"pool seed for seed (median regret at 50: {fresh.regret(50):.2e} and {default.regret(50):.2e}).")
    return sentences


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


def ablation_table(results: Path) -> str:
    """The cost rules switched on one by one (ablation.py): median seconds and factorizations."""
    lines = ["| d | n | variant (cumulative) | s/suggestion | factorizations per fit |", "|---|---|---|---|---|"]
    for path in sorted(results.glob("ablation_d*.json"), key=lambda p: -int(p.stem.removeprefix("ablation_d"))):
        for row in json.loads(path.read_text()):
            lines.append(f"| {row['dim']} | {row['n']} | {row['variant']} | {np.median(row['seconds']):.2f} | "
                         f"{np.median(row['factorizations']):.0f} |")
    return "\n".join(lines) + "\n"


def plot_quality(data: dict, optima: dict[str, float], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(data), figsize=(5 * len(data), 4))
    for axis, (problem, methods) in zip(np.atleast_1d(axes), data.items()):
        optimum = optima.get(problem, 0.0)
        for method in sorted(methods, key=_order):
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


def generated_blocks(results: Path, optima: dict[str, float], checkpoints: tuple[int, ...]) -> dict[str, str]:
    """Every generated block of RESULTS.md, by name."""
    problems = summaries(load_runs(results / "quality"), optima)
    last = checkpoints[-1]
    return {
        "quality": quality_tables(problems, optima, checkpoints),
        "quality-findings": bullets(quality_findings(problems, last) + rescoring_findings(problems)),
        "nan-findings": bullets(nan_findings(problems, last)),
        "before-after": before_after_table(results, optima, last),
        "before-after-findings": bullets(before_after_findings(results, optima, last)),
        "variants": variants_table(results, optima),
        "variants-findings": bullets(variants_findings(results, optima)),
        "speed": speed_table(results),
        "speed-findings": bullets(speed_findings(results)),
        "speed-pool-15": speed_table(results, "speed-pool-15"),
        "ablation": ablation_table(results),
        "idle": idle_table(results),
    }


def write_report(results: Path, optima: dict[str, float], checkpoints: tuple[int, ...]) -> None:
    """Rewrite RESULTS.md's generated blocks and the plots."""
    update(results.parent / "RESULTS.md", generated_blocks(results, optima, checkpoints))
    data = load_runs(results / "quality")
    if data:
        plot_quality(data, optima, results / "quality.png")
    if (results / "speed").exists():
        plot_speed(results, results / "speed.png")
    print(f"wrote {results.parent / 'RESULTS.md'} and the plots in {results}")
