"""Predicted against measured hardware, one figure per predicted metric (paper Fig. 5): how
honest the a-priori models were, with the budget (and the calibrated threshold the aware method
kept predictions under) drawn on both axes, so a point in the lower-left box kept its budget as
predicted and a point above the horizontal line broke it when measured."""

from __future__ import annotations

import math
from typing import Any

from hyperpower import metrics
from hyperpower.dashboard.figure_style import BUDGET_LINE, escape, figure, job_points, layout
from hyperpower.dashboard.source import ExperimentSnapshot
from hyperpower.report import plot_data as data


def predicted_vs_measured(snapshot: ExperimentSnapshot) -> list[dict[str, Any]]:
    """One figure per metric that some job has both a prediction and a measured value of."""
    config = snapshot.config
    if config is None:
        return []
    figures = []
    for metric in data.predicted_metrics(snapshot.jobs):
        jobs = [job for job in snapshot.jobs if data.finite_value(job.values, metric) is not None
                and data.finite_value(job.predicted, metric) is not None]
        if jobs:
            figures.append(_metric_figure(snapshot, metric, jobs))
    return figures


def _metric_figure(snapshot: ExperimentSnapshot, metric: str, jobs: list) -> dict[str, Any]:
    import plotly.graph_objects as go

    config = snapshot.config
    assert config is not None
    predicted = [float(job.predicted[metric]) for job in jobs]
    measured = [float(job.values[metric]) for job in jobs]
    task = config.tasks.get(metric)
    budget = float(task.budget) if task is not None and task.budget is not None else None
    low, high = min(predicted + measured), max(predicted + measured + ([budget] if budget is not None else []))
    over = [budget is not None and value > budget for value in measured]
    traces: list[Any] = [go.Scatter(x=[low, high], y=[low, high], mode="lines", name="measured = predicted",
                                    line={"color": "#999999", "dash": "dot", "width": 1}, hoverinfo="skip")]
    for flag, name, colour in ((False, "measured within budget" if budget is not None else "job", "#1f77b4"),
                               (True, "measured over budget", "#d62728")):
        chosen = [index for index, value in enumerate(over) if value is flag]
        if chosen:
            traces.append(job_points([jobs[i] for i in chosen], config, [predicted[i] for i in chosen],
                                     [measured[i] for i in chosen], name, {"size": 9, "color": colour}))
    shapes = _budget_shapes(snapshot, metric, budget)
    rmspe = data.rmspe(measured, predicted)
    detail = f"{len(jobs)} job(s)" + (f", RMSPE {100 * rmspe:.1f}%" if math.isfinite(rmspe) else "")
    if budget is not None:
        detail += f", budget {metrics.metric(metric).format(budget)}"
    title = f"{metric}: predicted vs measured ({detail})"
    label = data.metric_label(metric, config)
    return figure(f"predicted_vs_measured_{metric}", f"{metric}: predicted vs measured", traces,
                  layout(title, f"predicted {label}", f"measured {label}", shapes=shapes))


def _budget_shapes(snapshot: ExperimentSnapshot, metric: str, budget: float | None) -> list[dict[str, Any]]:
    """The budget as a dashed line on both axes; the aware method's calibrated threshold, when it
    is tighter, as a dotted vertical line (predictions had to stay left of it)."""
    if budget is None:
        return []
    shapes = [{"type": "line", "xref": "x", "yref": "paper", "x0": budget, "x1": budget, "y0": 0, "y1": 1,
               "line": BUDGET_LINE},
              {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": budget, "y1": budget,
               "line": BUDGET_LINE, "label": {"text": escape(f"budget {metrics.metric(metric).format(budget)}"),
                                               "textposition": "end", "font": {"size": 10, "color": "#d62728"}}}]
    model = snapshot.models.get(metric)
    if model is not None and snapshot.config is not None:
        from hyperpower.dashboard.overview import calibration

        threshold, _ = calibration(snapshot.config, model, budget)
        if threshold is not None and threshold < budget:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": threshold, "x1": threshold,
                           "y0": 0, "y1": 1, "line": {"color": "#ff7f0e", "dash": "dot", "width": 1.5}})
    return shapes
