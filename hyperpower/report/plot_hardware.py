"""The two hardware figures of ``hyperpower plot``: objective against each measured hardware
metric with its budget (paper Fig. 1), and model prediction against measurement (paper Fig. 5).

Both draw one panel per metric. Feasibility colours follow ``feasibility.feasibility``, the verdict
``status`` prints: "breaks a budget" when a measured value (or the loop) says so, so a job is never
drawn as feasible on the wrong side of a budget line.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hyperpower.config import ExperimentConfig
from hyperpower.feasibility import feasibility
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_data as data
from hyperpower.report import plot_style as style
from hyperpower.report import summary
from hyperpower.report.plot_style import Note, print_note
from hyperpower.report.table import honesty_text

OBJECTIVE_VS_HARDWARE_FILE = "objective_vs_hardware.png"
PREDICTED_VS_MEASURED_FILE = "predicted_vs_measured.png"


def plot_objective_vs_hardware(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                               note: Note = print_note) -> list[Path]:
    """Objective (y) against each measured budget/hardware metric (x), one panel per metric."""
    objective = data.objective_name(config)
    complete = [job for job in jobs if job.status is JobStatus.COMPLETE
                and data.finite_value(job.values, objective) is not None]
    metrics = data.measured_metrics(complete, config)
    if not metrics:
        wanted = ", ".join(dict.fromkeys([*data.budgets_of(config), *data.HARDWARE_METRICS]))
        note(f"skipped {OBJECTIVE_VS_HARDWARE_FILE}: no complete job with a finite {objective} "
             f"has a measured value of {wanted}")
        return []
    budgets = data.budgets_of(config)
    best = summary.best_feasible_job(complete, config)
    figure, axes = style.new_figure(len(metrics))
    verdicts: set[bool | None] = set()
    for axis, metric in zip(axes, metrics):
        measured = [job for job in complete if data.finite_value(job.values, metric) is not None]
        verdicts |= _draw_points(axis, measured, metric, objective, config)
        if best is not None and data.finite_value(best.values, metric) is not None:
            axis.scatter([best.values[metric]], [best.values[objective]], **style.BEST_STYLE)
        budget = budgets.get(metric)
        _draw_budget(axis, budget, [float(job.values[metric]) for job in measured])
        axis.set_xlabel(data.metric_label(metric, config))
        axis.set_ylabel(data.metric_label(objective, config))
        where = f", {budget.label}" if budget is not None else ", no budget"
        axis.set_title(f"{data.metric_name(objective, config)} vs {metric} ({len(measured)} jobs{where})",
                       fontsize="medium")
    _figure_legend(figure, verdicts, stopped_early=any(job.early_terminated for job in complete),
                   best=best, budget=any(metric in budgets for metric in metrics))
    figure.suptitle(f"{config.name}: {data.metric_name(objective, config)} vs {', '.join(metrics)}")
    return [style.save_figure(figure, out_dir / OBJECTIVE_VS_HARDWARE_FILE)]


def plot_predicted_vs_measured(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                               note: Note = print_note) -> list[Path]:
    """Measured (x) against predicted (y) per metric with both, identity line, RMSPE in the
    title and, under a budget, the measured violation rate among jobs predicted feasible."""
    predicted = data.predicted_metrics(jobs)
    if not predicted:
        note(f"skipped {PREDICTED_VS_MEASURED_FILE}: no predictions recorded: no hardware model was used")
        return []
    pairs = {metric: data.prediction_pairs(jobs, metric) for metric in predicted}
    unmeasured = [metric for metric, (measured, _) in pairs.items() if measured.size == 0]
    if len(unmeasured) == len(pairs):
        note(f"skipped {PREDICTED_VS_MEASURED_FILE}: predictions recorded for {', '.join(unmeasured)} "
             f"but no job measured them")
        return []
    if unmeasured:
        note(f"{PREDICTED_VS_MEASURED_FILE}: no panel for {', '.join(unmeasured)}: predicted but never measured")
    shown = [metric for metric in pairs if metric not in unmeasured]
    budgets = data.budgets_of(config)
    honesty = {entry.metric: textwrap.fill(honesty_text(entry, config, short=True), 60)
               for entry in summary.model_honesty(list(jobs), config)}
    figure, axes = style.new_figure(len(shown))
    for axis, metric in zip(axes, shown):
        measured, predicted_values = pairs[metric]
        error = data.rmspe(measured, predicted_values)
        axis.scatter(measured, predicted_values, s=30, color="tab:orange", edgecolors="black",
                     linewidths=0.5, zorder=3, label="job")
        low, high = _padded_range([*measured, *predicted_values] + _budget_value(budgets.get(metric)))
        axis.plot([low, high], [low, high], color="tab:blue", linewidth=1.5, label="prediction = measurement",
                  zorder=4)
        axis.set_xlim(low, high)
        axis.set_ylim(low, high)
        budget = budgets.get(metric)
        if budget is not None:
            axis.axvline(budget.limit, **style.BUDGET_STYLE, label=budget.label)
            axis.axhline(budget.limit, **style.BUDGET_STYLE)
        axis.set_xlabel(f"measured {data.metric_label(metric, config)}")
        axis.set_ylabel(f"predicted {data.metric_label(metric, config)}")
        rmspe_text = "RMSPE undefined (all measured 0)" if error != error else f"RMSPE {error:.1%}"
        title = f"{metric}: {rmspe_text}, {measured.size} jobs"
        if metric in honesty:
            title += "\n" + honesty[metric]
        axis.set_title(title, fontsize="small" if metric in honesty else "medium")
        axis.legend(fontsize="small", loc="upper left")
    figure.suptitle(f"{config.name}: predicted vs measured hardware metrics")
    return [style.save_figure(figure, out_dir / PREDICTED_VS_MEASURED_FILE)]


def _draw_points(axis: Any, jobs: list[Job], metric: str, objective: str,
                 config: ExperimentConfig) -> set[bool | None]:
    """Scatter the jobs coloured by feasibility; stopped-early ones as hollow triangles."""
    verdicts: set[bool | None] = set()
    for verdict, (colour, _) in style.FEASIBILITY_STYLE.items():
        for stopped_early in (False, True):
            group = [job for job in jobs
                     if feasibility(job, config) is verdict and job.early_terminated is stopped_early]
            if not group:
                continue
            verdicts.add(verdict)
            axis.scatter([job.values[metric] for job in group], [job.values[objective] for job in group],
                         marker=style.MARKERS["stopped early" if stopped_early else "complete"], s=36,
                         facecolors="none" if stopped_early else colour, edgecolors=colour, alpha=0.85,
                         zorder=3)
    return verdicts


def _draw_budget(axis: Any, budget: data.Budget | None, xs: list[float]) -> None:
    """Dashed budget line, the over-budget side lightly shaded, and x limits that show both."""
    low, high = _padded_range(xs + _budget_value(budget))
    axis.set_xlim(low, high)
    if budget is None:
        return
    axis.axvline(budget.limit, **style.BUDGET_STYLE)
    if budget.is_upper_limit:
        axis.axvspan(budget.limit, high, **style.OVER_BUDGET_SHADE)
    else:
        axis.axvspan(low, budget.limit, **style.OVER_BUDGET_SHADE)


def _figure_legend(figure: Any, verdicts: set[bool | None], stopped_early: bool, best: Job | None,
                   budget: bool) -> None:
    """One legend under the panels: feasibility colours seen, stopped early, best, budget line."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], linestyle="none", marker="o", color=colour, label=label)
               for verdict, (colour, label) in style.FEASIBILITY_STYLE.items() if verdict in verdicts]
    if stopped_early:
        handles += style.marker_legend_handles(["stopped early"])
    if best is not None:
        handles.append(Line2D([], [], linestyle="none", marker="*", markersize=14, markerfacecolor="gold",
                              markeredgecolor="black", label=f"best feasible (job {best.id})"))
    if budget:
        handles.append(Line2D([], [], **style.BUDGET_STYLE, label="budget (shaded: breaks it)"))
    columns = min(len(handles), max(1, int(figure.get_figwidth() / style.LEGEND_ENTRY_WIDTH_IN)))
    figure.legend(handles=handles, loc="outside lower center", ncols=columns, fontsize="small")


def _budget_value(budget: data.Budget | None) -> list[float]:
    return [] if budget is None else [budget.limit]


def _padded_range(values: list[float], fraction: float = 0.06) -> tuple[float, float]:
    """[min, max] of ``values`` widened by ``fraction`` of the span (or of the value) each side."""
    low, high = min(values), max(values)
    span = high - low or abs(high) or 1.0
    return low - fraction * span, high + fraction * span
