"""The four figures of ``hyperpower plot`` (issue 6 item 4), after the paper's Fig. 1, 4 and 5.

1. ``best_so_far.png``: best feasible objective against evaluation number and wall-clock time,
   with every evaluation marked (stopped early, breaking a budget, broken) and, under a
   scheduler, sized by its rung (the curve then follows the top rung reached, as ``best`` does);
2. ``objective_vs_hardware.png``: objective against each measured hardware metric, the budget as
   a dashed line, feasible and infeasible jobs coloured (paper Fig. 1);
3. ``predicted_vs_measured.png``: model prediction against measurement per metric, identity
   line and RMSPE (paper Fig. 5);
4. ``budget_violations.png``: cumulative budget-breaking evaluations, measured and predicted, per
   method (paper Fig. 4 centre);
5. with several objectives, ``pareto_front.png`` and ``hypervolume.png``
   (``hyperpower.report.plot_pareto``).

Every plot function takes ``(jobs, config, out_dir)`` and returns the paths it wrote; a figure
without data is not drawn, and ``note`` is told why (the command prints it). The numbers come
from ``hyperpower.report.plot_data``; only drawing happens here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hyperpower.config import ExperimentConfig
from hyperpower.errors import HyperPowerError
from hyperpower.feasibility import feasibility
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_data as data
from hyperpower.report import plot_style as style
from hyperpower.report import summary
from hyperpower.report.plot_devices import plot_devices
from hyperpower.report.plot_hardware import plot_objective_vs_hardware, plot_predicted_vs_measured
from hyperpower.report.plot_pareto import PARETO_PLOTS
from hyperpower.report.plot_style import Note, print_note

BEST_SO_FAR_FILE = "best_so_far.png"
VIOLATIONS_FILE = "budget_violations.png"


def write_plots(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                note: Note = print_note) -> list[Path]:
    """Draw every figure that has data into ``out_dir``; the paths written, in figure order.

    Raises HyperPowerError when the experiment has no finished job at all: there is nothing to
    draw, and an empty folder would look like success.
    """
    if not any(job.status.finished for job in jobs):
        raise HyperPowerError(
            f"no finished jobs in experiment {config.name!r}: run it first (hyperpower run EXP), "
            f"then plot")
    written: list[Path] = []
    for plot in PLOTS:
        written.extend(plot(jobs, config, out_dir, note=note))
    return written


def plot_best_so_far(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                     note: Note = print_note) -> list[Path]:
    """Running best feasible objective vs evaluation number (left) and wall-clock time (right)."""
    objective = data.objective_name(config)
    evaluations = data.evaluated_jobs(jobs)
    complete = [job for job in evaluations if job.status is JobStatus.COMPLETE]
    if not any(_objective(job, objective) is not None for job in complete):
        broken = sum(job.status is JobStatus.BROKEN for job in evaluations)
        note(f"skipped {BEST_SO_FAR_FILE}: no complete job has a finite {objective} "
             f"({broken} broken job(s))")
        return []
    figure, (by_count, by_time) = style.new_figure(2)
    groups = data.group_by_method(evaluations)
    colours = style.method_colours(list(groups))
    # Each method's clock starts at its own first job, so methods run one after another in one
    # experiment compare as if each had run alone (the paper's Fig. 6).
    elapsed = {method: data.elapsed_times(group) for method, group in groups.items()}
    time_span = max(float(np.nanmax(np.append(times, 0.0))) for times in elapsed.values())
    divisor, time_unit = data.time_axis_scale(time_span)
    kinds_seen: set[str] = set()
    sizes = style.rung_sizes(data.fidelity_levels(evaluations, config), 12 if len(evaluations) > 100 else 36)
    for method, group in groups.items():
        curve = data.running_best(group, config)
        label = _method_label(method, len(groups), "best feasible")
        if len(sizes) > 1:  # under a scheduler only the top rung reached counts (``summary.best_feasible_job``)
            label += " (top rung reached)"
        counts = np.arange(1, len(group) + 1, dtype=float)
        times = elapsed[method] / divisor
        for axis, xs in ((by_count, counts), (by_time, times)):
            keep = ~np.isnan(xs)
            axis.step(xs[keep], curve[keep], where="post", color=colours[method], linewidth=2.5, label=label,
                      zorder=4)  # above the markers, which can be hundreds
            kinds_seen |= _mark_evaluations(axis, group, xs, objective, colours[method], config, sizes)
    if summary.best_feasible_job(evaluations, config) is None:
        by_count.text(0.5, 0.95, "no feasible job yet", transform=by_count.transAxes, ha="center", va="top")
    by_count.set_xlabel("evaluation number")
    whose = "its method's" if len(groups) > 1 else "the"
    by_time.set_xlabel(f"wall-clock time since {whose} first job started ({time_unit})")
    for axis in (by_count, by_time):
        axis.set_ylabel(data.metric_label(objective, config))
    by_count.xaxis.get_major_locator().set_params(integer=True)
    handles, _ = by_count.get_legend_handles_labels()
    order = [kind for kind in style.MARKERS if kind in kinds_seen]
    rungs = style.rung_legend_handles(sizes) if len(sizes) > 2 else []  # rungs drawn: more than one
    figure.legend(handles=handles + style.marker_legend_handles(order) + rungs, loc="outside right upper",
                  fontsize="small")
    figure.suptitle(f"{config.name}: best feasible {data.metric_name(objective, config)} so far")
    return [style.save_figure(figure, out_dir / BEST_SO_FAR_FILE)]


def plot_budget_violations(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                           note: Note = print_note) -> list[Path]:
    """Cumulative budget-breaking evaluations vs evaluation number, as steps (a count changes at an
    evaluation, never in between): measured (thin, solid, on top) and as predicted a priori by the
    hardware models (wide, dashed, translucent, underneath, so it shows where the two agree), one
    colour per method."""
    budgets = data.budgets_of(config)
    evaluations = data.evaluated_jobs(jobs)
    if not budgets:
        note(f"skipped {VIOLATIONS_FILE}: no budget is set, so no evaluation can violate one")
        return []
    if not evaluations:
        note(f"skipped {VIOLATIONS_FILE}: no job was evaluated (all finished jobs were skipped a priori)")
        return []
    figure, (axis,) = style.new_figure(1)
    groups = data.group_by_method(evaluations)
    colours = style.method_colours(list(groups))
    for method, group in groups.items():
        counts = np.arange(0, len(group) + 1)
        marker = "o" if len(group) <= 50 else None  # dots per evaluation only while they stay apart
        measured, predicted = data.cumulative_violations(group, config)
        colour = colours[method]
        skipped = [job for job in jobs if job.status is JobStatus.SKIPPED and (job.method or "(unnamed)") == method]
        if any(job.predicted for job in group + skipped):
            label = _method_label(method, len(groups), "predicted")
            if skipped:
                label += f" (+{len(skipped)} skipped a priori)"
            axis.step(counts, np.append(0, predicted), where="post", label=label,
                      **style.violation_line("predicted", colour))
        axis.step(counts, np.append(0, measured), where="post", marker=marker, markersize=3,
                  label=_method_label(method, len(groups), "measured"), **style.violation_line("measured", colour))
    axis.set_xlabel("evaluation number")
    axis.set_ylabel("budget-violating evaluations (cumulative count)")
    axis.xaxis.get_major_locator().set_params(integer=True)
    style.count_axis(axis, "y")
    axis.legend(fontsize="small", loc="best")
    limits = ", ".join(f"{b.metric} {b.label}" for b in budgets.values())
    axis.set_title(limits, fontsize="small")
    figure.suptitle(f"{config.name}: budget violations")
    return [style.save_figure(figure, out_dir / VIOLATIONS_FILE)]


def _objective(job: Job, objective: str) -> float | None:
    return data.finite_value(job.values, objective)


def _method_label(method: str, method_count: int, what: str) -> str:
    """Name the method only when the experiment mixes several."""
    return f"{what} ({method})" if method_count > 1 else f"{what} so far" if what == "best feasible" else what


def _mark_evaluations(axis: Any, group: list[Job], xs: np.ndarray, objective: str, colour: str,
                      config: ExperimentConfig, sizes: dict[int | None, float]) -> set[str]:
    """One marker per evaluation at (x, objective), shaped by what happened and sized by its rung
    (``sizes``: epochs -> area); broken jobs (no objective) as ticks along the bottom edge.
    Returns the marker kinds drawn."""
    points: dict[str, tuple[list[float], list[float], list[float]]] = {}
    broken_xs: list[float] = []
    for job, x in zip(group, xs):
        value = _objective(job, objective)
        if np.isnan(x):
            continue
        if job.status is JobStatus.BROKEN or value is None:
            broken_xs.append(float(x))
            continue
        kind = "complete"
        if feasibility(job, config) is False:  # the verdict status prints
            kind = "breaks a budget"
        elif job.early_terminated:
            kind = "stopped early"
        points.setdefault(kind, ([], [], []))
        points[kind][0].append(float(x))
        points[kind][1].append(value)
        points[kind][2].append(sizes.get(job.epochs, sizes[None]))
    crowded = len(group) > 100
    for kind, (kind_xs, kind_ys, kind_sizes) in points.items():
        axis.scatter(kind_xs, kind_ys, marker=style.MARKERS[kind], s=kind_sizes,
                     alpha=0.35 if crowded else 0.8, zorder=3,
                     facecolors="none" if kind == "stopped early" else colour, edgecolors=colour)
    style.bottom_rug(axis, broken_xs, colour)
    return set(points) | ({"broken"} if broken_xs else set())


PLOTS: tuple[Callable[..., list[Path]], ...] = (
    plot_best_so_far, plot_objective_vs_hardware, plot_predicted_vs_measured, plot_budget_violations,
    *PARETO_PLOTS,
    plot_devices,
)
