"""What every dashboard figure shares: escaping, a job's hover text, colours, the layout, and the
form a figure takes in the page's JSON.

Plotly renders text (titles, hover labels, legend names) as a small HTML-like markup, so every
string that comes from a store or a config (experiment, method, device and parameter names,
values) goes through ``escape`` before it reaches a figure: a crafted name shows as text and never
becomes markup. Hover templates hold no store text at all (``%{hovertext}`` is filled per point),
so a name cannot smuggle in a template either.
"""

from __future__ import annotations

import html
from typing import Any, Sequence

from hyperpower import feasibility, metrics
from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job
from hyperpower.report.plot_data import finite_value
from hyperpower.report.table import format_param

#: colours of Plotly's default qualitative palette, for methods, devices and rungs
PALETTE = ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a", "#19d3f3", "#ff6692", "#b6e880")
#: one look per kind of evaluation, as ``hyperpower plot`` distinguishes them
KIND_SYMBOLS = {"complete": "circle", "breaks a budget": "x", "stopped early": "circle-open",
                "broken": "triangle-down", "invalid (NaN)": "diamond-open"}
HOVER_TEMPLATE = "%{hovertext}<extra></extra>"
BUDGET_LINE = {"color": "#d62728", "dash": "dash", "width": 1.5}


def escape(text: Any) -> str:
    """Store or config text as Plotly shows it literally (``<``, ``>`` and ``&`` as entities)."""
    return html.escape(str(text), quote=False)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def job_kind(job: Job, config: ExperimentConfig) -> str:
    """What happened to an evaluation: broken, invalid (NaN), breaks a budget, stopped early, complete."""
    if job.status.value == "broken":
        return "broken"
    if feasibility.is_invalid_job(job, config):
        return "invalid (NaN)"
    if feasibility.feasibility(job, config) is False:
        return "breaks a budget"
    return "stopped early" if job.early_terminated else "complete"


def hover_text(job: Job, config: ExperimentConfig) -> str:
    """A job's hover label: id, method, what happened, values (with predictions), parameters."""
    lines = [f"<b>job {job.id}</b> ({escape(job.method or '-')}) {escape(job_kind(job, config))}"]
    for metric in dict.fromkeys([*job.values, *job.predicted]):
        measured, predicted = job.values.get(metric), job.predicted.get(metric)
        text = metrics.metric(metric).format(measured) if measured is not None else "-"
        if finite_value(job.predicted, metric) is not None:
            text += f" (pred {metrics.metric(metric).format(predicted)})"
        lines.append(f"{escape(metric)} = {escape(text)}")
    if job.device:
        lines.append(f"device = {escape(job.device)}")
    for name, value in job.params.items():
        lines.append(f"{escape(name)} = {escape(format_param(value))}")
    if job.reason:
        lines.append(f"reason: {escape(job.reason[:120])}")
    return "<br>".join(lines)


def layout(title: str, x_title: str, y_title: str, **extra: Any) -> dict[str, Any]:
    """The shared layout: an escaped title and axis titles, hover closest, legend above the plot."""
    return {
        "title": {"text": escape(title), "font": {"size": 14}},
        "xaxis": {"title": {"text": escape(x_title)}, "zeroline": False},
        "yaxis": {"title": {"text": escape(y_title)}, "zeroline": False},
        "hovermode": "closest",
        "margin": {"l": 60, "r": 20, "t": 70, "b": 50},
        "legend": {"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "font": {"size": 11}},
        "template": "plotly_white",
        **extra,
    }


def figure(key: str, title: str, traces: Sequence[Any], figure_layout: dict[str, Any],
           note: str = "") -> dict[str, Any]:
    """A figure as the page receives it: ``{"key", "title", "note", "figure": {data, layout}}``,
    built through ``plotly.graph_objects`` so a misspelt property fails here, not in a browser."""
    import plotly.graph_objects as go

    built = go.Figure(data=list(traces), layout=figure_layout)
    return {"key": key, "title": escape(title), "note": note, "figure": built.to_plotly_json()}


def job_points(jobs: Sequence[Job], config: ExperimentConfig, xs: Sequence[float], ys: Sequence[float],
               name: str, marker: dict[str, Any], **extra: Any) -> Any:
    """A scatter trace of jobs at (xs, ys): hover shows the job, a click opens it (customdata: id)."""
    import plotly.graph_objects as go

    return go.Scatter(x=list(xs), y=list(ys), mode="markers", name=escape(name), marker=marker,
                      customdata=[job.id for job in jobs], hovertext=[hover_text(job, config) for job in jobs],
                      hovertemplate=HOVER_TEMPLATE, **extra)
