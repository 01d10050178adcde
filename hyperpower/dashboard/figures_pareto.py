"""The figures of several objectives: the feasible Pareto front (dominated jobs faded, jobs that
break a budget crossed out, the reference point dotted) and its hypervolume over time.

What the front is comes from ``hyperpower.report.pareto``, as for ``pareto`` and ``plot``. With
three or more objectives the figure shows the first two (the front is the front in all of them,
so a front job may look dominated in that plane); the note says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hyperpower.dashboard.figure_style import escape, figure, job_points, layout
from hyperpower.dashboard.source import ExperimentSnapshot
from hyperpower.jobs import JobStatus
from hyperpower.report import pareto
from hyperpower.report import plot_data as data

FRONT_TRACE = "feasible front"


def pareto_front(snapshot: ExperimentSnapshot) -> dict[str, Any] | None:
    """Every complete job with finite objectives in the plane of the first two objectives."""
    import plotly.graph_objects as go

    config = snapshot.config
    if config is None or not pareto.has_several_objectives(config):
        return None
    names = pareto.objective_names(config)
    x_name, y_name = names[0], names[1]
    plotted = [job for job in snapshot.jobs
               if job.status is JobStatus.COMPLETE and pareto.objective_vector(job, config) is not None]
    if not plotted:
        return None
    front = snapshot.front()
    ranks = pareto.pareto_ranks_by_id(snapshot.jobs, config)
    dominated = [job for job in plotted if ranks[job.id] not in (None, 0)]
    infeasible = [job for job in plotted if ranks[job.id] is None]
    ordered = sorted(front.jobs, key=lambda job: (job.values[x_name], job.values[y_name]))
    traces: list[Any] = []
    if ordered:
        traces.append(go.Scatter(x=[job.values[x_name] for job in ordered], y=[job.values[y_name] for job in ordered],
                                 mode="lines", line={"shape": "hv", "color": "#1f77b4", "width": 2},
                                 name="front (staircase)", hoverinfo="skip", showlegend=False))
    for jobs, name, marker in (
            (dominated, "dominated (feasible)", {"size": 8, "color": "#1f77b4", "opacity": 0.25}),
            (infeasible, "breaks a budget / unknown", {"size": 8, "color": "#d62728", "symbol": "x", "opacity": 0.35}),
            (ordered, FRONT_TRACE, {"size": 12, "color": "#1f77b4", "line": {"color": "#0b3d66", "width": 1.5}})):
        if jobs:
            traces.append(job_points(jobs, config, [job.values[x_name] for job in jobs],
                                     [job.values[y_name] for job in jobs], name, marker))
    shapes = _reference_shapes(front.reference, x_name, y_name)
    title = f"feasible front: {len(front.jobs)} job(s), hypervolume {front.hypervolume:.4g}"
    note = (f"the first two of {len(names)} objectives ({', '.join(names)}); the front is non-dominated in all"
            if len(names) > 2 else "")
    return figure("pareto_front", "Pareto front", traces,
                  layout(title, data.metric_label(x_name, config), data.metric_label(y_name, config), shapes=shapes), note=escape(note))


def _reference_shapes(reference: dict[str, float], x_name: str, y_name: str) -> list[dict[str, Any]]:
    """The hypervolume's reference point as two dotted lines."""
    line = {"color": "#888888", "dash": "dot", "width": 1}
    shapes = []
    if x_name in reference:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": reference[x_name],
                       "x1": reference[x_name], "y0": 0, "y1": 1, "line": line})
    if y_name in reference:
        shapes.append({"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": reference[y_name],
                       "y1": reference[y_name], "line": line})
    return shapes


def hypervolume(snapshot: ExperimentSnapshot) -> dict[str, Any] | None:
    """The front's hypervolume after each evaluation against wall-clock time, measured against the
    final reference point so the curve is comparable along the run."""
    import plotly.graph_objects as go

    config = snapshot.config
    if config is None or not pareto.has_several_objectives(config):
        return None
    front = snapshot.front()
    evaluations = data.evaluated_jobs(snapshot.jobs)
    if not front.jobs or not evaluations:
        return None
    history = pareto.hypervolume_history(evaluations, config, front.reference_array())
    elapsed = data.elapsed_times(evaluations)
    divisor, unit = data.time_axis_scale(float(np.nanmax(np.append(elapsed, 0.0))))
    keep = [index for index, seconds in enumerate(elapsed) if not np.isnan(seconds)]
    xs = [float(elapsed[index]) / divisor for index in keep]
    ys = [float(history[index]) for index in keep]
    traces = [go.Scatter(x=xs, y=ys, mode="lines", line={"shape": "hv", "color": "#1f77b4", "width": 2.5},
                         name="hypervolume", hoverinfo="skip"),
              job_points([evaluations[index] for index in keep], config, xs, ys, "evaluation",
                         {"size": 6, "color": "#1f77b4"})]
    return figure("hypervolume", "hypervolume over time", traces,
                  layout(f"hypervolume of the feasible front over time ({front.hypervolume:.4g} now)",
                         f"time since the first job started ({unit})", "hypervolume"))
