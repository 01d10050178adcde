"""Figures of the paper comparison (Fig. 4 left and centre, and best error over wall-clock time).

One colour per method, solid lines for the aware form and dashed for the unaware one, so each
aware/unaware pair reads side by side. Curves are medians across seeds with the min-max band
(with 2-5 seeds a quantile band would pretend more than there is).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import analysis
import runs_layout as layout

COLOURS = {"hw-ieci": "tab:red", "hw-cwei": "tab:blue", "rand": "tab:green", "rand-walk": "tab:purple"}
STYLES = {"aware": "-", "unaware": "--"}


def _grouped(results: list[analysis.RunResult]) -> dict[tuple[str, str], list[analysis.RunResult]]:
    groups: dict[tuple[str, str], list[analysis.RunResult]] = {}
    for result in results:
        groups.setdefault((result.spec.method, result.spec.form), []).append(result)
    return groups


MARKERS = {"hw-ieci": "o", "hw-cwei": "s", "rand": "^", "rand-walk": "D"}
#: thinner lines for later methods, so identical curves (same seed, same first draws) stay visible
WIDTHS = {"hw-ieci": 3.2, "hw-cwei": 2.4, "rand": 1.6, "rand-walk": 1.0}


def _median_band(axis, stacked: np.ndarray, label: str, method: str, form: str) -> None:
    """Median line and min-max band of (seeds, n) curves over evaluations 1..n."""
    import warnings

    xs = np.arange(1, stacked.shape[1] + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no feasible job yet
        median, low, high = np.nanmedian(stacked, 0), np.nanmin(stacked, 0), np.nanmax(stacked, 0)
    axis.plot(xs, median, STYLES[form], color=COLOURS[method], label=label, linewidth=WIDTHS[method],
              marker=MARKERS[method], markersize=3 + WIDTHS[method], markevery=max(1, len(xs) // 8),
              alpha=0.85)
    if stacked.shape[0] > 1:
        axis.fill_between(xs, low, high, color=COLOURS[method], alpha=0.10)


def plot_fixed_evals(results: list[analysis.RunResult], out_dir: Path) -> list[Path]:
    """Fig. 4 left (best feasible error vs evaluations) and centre (cumulative violations); one
    panel per form (aware | unaware) so the eight curves do not hide one another."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = _grouped(results)
    length = max((r.evaluations for r in results), default=0)
    seeds = sorted({r.spec.seed for r in results})
    paths = []
    for name, title, getter, ylabel in (
            ("fig4_left_best_error.png", "best feasible test error vs function evaluations",
             lambda r: r.best_curve, "best feasible test error (1 - accuracy)"),
            ("fig4_centre_violations.png", "measured budget-violating samples vs function evaluations",
             lambda r: r.measured_violations.astype(float), "cumulative budget-violating evaluations")):
        figure, axes = plt.subplots(1, 2, figsize=(11, 4.6), dpi=110, sharey=True)
        for axis, form in zip(axes, layout.FORMS):
            for method in layout.METHODS:
                runs = groups.get((method, form), [])
                if runs:
                    stacked = analysis.stack_curves([getter(r) for r in runs], length)
                    _median_band(axis, stacked, f"{method} (n={len(runs)})", method, form)
            axis.set_title(f"{form} ({'HyperPower' if form == 'aware' else 'default'})", fontsize=10)
            axis.set_xlabel("function evaluation")
            axis.grid(alpha=0.3)
            axis.legend(fontsize=8)
            if name.startswith("fig4_left"):
                axis.set_yscale("log")
        axes[0].set_ylabel(ylabel)
        figure.suptitle(f"digits on CPU: {title}; median over seeds {seeds}, band = min-max", fontsize=10)
        figure.tight_layout()
        paths.append(out_dir / name)
        figure.savefig(paths[-1])
        plt.close(figure)
    return paths


def plot_fixed_time(results: list[analysis.RunResult], out_dir: Path) -> Path:
    """Best feasible error vs wall-clock seconds, one line per run (the fixed-time protocol)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(8, 5), dpi=110)
    for result in results:
        spec = result.spec
        axis.step(result.elapsed_s, result.best_curve, STYLES[spec.form], where="post", color=COLOURS[spec.method],
                  label=f"{spec.method} {spec.form} seed {spec.seed} ({result.evaluations} evals)")
    axis.set_xlabel("wall-clock seconds since the first evaluation started")
    axis.set_ylabel("best feasible test error (1 - accuracy)")
    axis.set_yscale("log")
    axis.set_title("digits, fixed wall-clock: best feasible error over time", fontsize=10)
    axis.grid(alpha=0.3)
    axis.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    path = out_dir / "fixed_time_best_error.png"
    figure.savefig(path)
    plt.close(figure)
    return path
