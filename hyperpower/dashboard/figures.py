"""The dashboard's figures of a run's progress: best so far against evaluations and against time,
budget violations, rungs and devices; ``all_figures`` gathers them with the hardware and Pareto
figures (``figures_hardware``, ``figures_pareto``).

The numbers are ``hyperpower.report.plot_data``'s, the ones ``hyperpower plot`` draws, so the page
and the PNGs agree; only the drawing is Plotly's. A figure without data is left out.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from hyperpower.config import ExperimentConfig
from hyperpower.dashboard.figure_style import KIND_SYMBOLS, colour, escape, figure, job_kind, job_points, layout
from hyperpower.dashboard.source import ExperimentSnapshot
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_data as data


def best_so_far(snapshot: ExperimentSnapshot, over: str) -> dict[str, Any] | None:
    """Running best feasible objective, per method, against evaluation number (``over`` =
    ``evaluations``) or wall-clock time (``time``), every evaluation marked by what happened."""
    import plotly.graph_objects as go

    config = snapshot.config
    evaluations = data.evaluated_jobs(snapshot.jobs)
    if config is None or not evaluations:
        return None
    objective = data.objective_name(config)
    groups = data.group_by_method(evaluations)
    elapsed = {method: data.elapsed_times(group) for method, group in groups.items()}
    span = max(float(np.nanmax(np.append(times, 0.0))) for times in elapsed.values())
    divisor, unit = data.time_axis_scale(span)
    traces = []
    for index, (method, group) in enumerate(groups.items()):
        xs = np.arange(1, len(group) + 1, dtype=float) if over == "evaluations" else elapsed[method] / divisor
        curve = snapshot.remember(f"running_best/{method}", lambda: data.running_best(group, config))
        label = f"best so far ({method})" if len(groups) > 1 else "best so far"
        traces.append(go.Scatter(x=_listed(xs), y=_listed(curve), mode="lines", line={"shape": "hv", "width": 2.5,
                                 "color": colour(index)}, name=escape(label), hoverinfo="skip"))
        traces += _evaluation_markers(group, config, xs, objective, colour(index), method if len(groups) > 1 else "")
    x_title = "evaluation number" if over == "evaluations" else f"time since the first job started ({unit})"
    key = "best_so_far" if over == "evaluations" else "best_so_far_time"
    title = f"best feasible {objective} so far"
    axis = {"title": {"text": x_title}}
    if over == "evaluations" and len(evaluations) <= 20:
        axis["dtick"] = 1  # whole evaluation numbers while they fit
    return figure(key, title, traces, layout(title + (" (time)" if over == "time" else ""), x_title,
                                             data.metric_label(objective, config), xaxis=axis))


def _evaluation_markers(group: list[Job], config: ExperimentConfig, xs: np.ndarray, objective: str,
                        line_colour: str, method: str) -> list[Any]:
    """One marker trace per kind of evaluation; broken jobs (no objective) sit on the axis floor."""
    finite = [data.finite_value(job.values, objective) for job in group]
    floor = min((value for value in finite if value is not None), default=0.0)
    by_kind: dict[str, tuple[list[Job], list[float], list[float]]] = {}
    for job, x, value in zip(group, xs, finite):
        if np.isnan(x):
            continue
        kind = job_kind(job, config)
        jobs, kind_xs, kind_ys = by_kind.setdefault(kind, ([], [], []))
        jobs.append(job)
        kind_xs.append(float(x))
        kind_ys.append(value if value is not None else floor)
    suffix = f" ({method})" if method else ""
    return [job_points(jobs, config, kind_xs, kind_ys, kind + suffix,
                       {"symbol": KIND_SYMBOLS[kind], "size": 8, "color": line_colour,
                        "opacity": 0.9 if kind == "complete" else 0.7})
            for kind, (jobs, kind_xs, kind_ys) in by_kind.items()]


def violations(snapshot: ExperimentSnapshot) -> dict[str, Any] | None:
    """Cumulative budget-breaking evaluations, measured and predicted a priori, per method."""
    import plotly.graph_objects as go

    config = snapshot.config
    evaluations = data.evaluated_jobs(snapshot.jobs)
    if config is None or not config.constraint_tasks or not evaluations:
        return None
    traces = []
    groups = data.group_by_method(evaluations)
    for index, (method, group) in enumerate(groups.items()):
        measured, predicted = data.cumulative_violations(group, config)
        counts = list(range(0, len(group) + 1))
        suffix = f" ({method})" if len(groups) > 1 else ""
        traces.append(go.Scatter(x=counts, y=[0, *measured.tolist()], mode="lines+markers", name=escape("measured" + suffix),
                                 line={"shape": "hv", "color": colour(index), "width": 2}))
        if any(job.predicted for job in group):
            traces.append(go.Scatter(x=counts, y=[0, *predicted.tolist()], mode="lines",
                                     name=escape("predicted a priori" + suffix),
                                     line={"shape": "hv", "color": colour(index), "width": 6, "dash": "dash"},
                                     opacity=0.35))
    skipped = sum(job.status is JobStatus.SKIPPED for job in snapshot.jobs)
    note = f"{skipped} suggestion(s) skipped a priori (predicted to break a budget), never trained" if skipped else ""
    most = max(int(max(trace.y)) for trace in traces)
    counts_axis = {"title": {"text": "budget-violating evaluations (cumulative)"}, "rangemode": "nonnegative",
                   "dtick": 1 if most <= 10 else None, "range": [0, max(most, 1) * 1.05]}
    return figure("violations", "budget violations", traces,
                  layout("budget violations", "evaluation number", "", yaxis=counts_axis), note=note)


def rungs(snapshot: ExperimentSnapshot) -> dict[str, Any] | None:
    """Multi-fidelity: the objective at each rung's epochs, a promotion drawn from its parent."""
    import plotly.graph_objects as go

    config = snapshot.config
    if config is None or not config.settings.schedule.scheduler:
        return None
    objective = data.objective_name(config)
    done = [job for job in snapshot.jobs if job.status is JobStatus.COMPLETE and job.epochs is not None
            and data.finite_value(job.values, objective) is not None]
    if not done:
        return None
    by_id = {job.id: job for job in done}
    xs: list[float | None] = []
    ys: list[float | None] = []
    for job in done:
        parent = by_id.get(job.parent) if job.parent is not None else None
        if parent is not None:
            xs += [parent.epochs, job.epochs, None]
            ys += [parent.values[objective], job.values[objective], None]
    traces: list[Any] = [go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#bbbbbb", "width": 1},
                                    name="promotion", hoverinfo="skip")]
    for rung in sorted({job.rung or 0 for job in done}):
        at = [job for job in done if (job.rung or 0) == rung]
        traces.append(job_points(at, config, [job.epochs for job in at], [job.values[objective] for job in at],
                                 f"rung {rung}", {"size": 9, "color": colour(rung)}))
    return figure("rungs", f"{objective} by rung", traces,
                  layout(f"{objective} by rung ({config.settings.schedule.scheduler})", "epochs trained",
                         data.metric_label(objective, config), xaxis={"type": "log", "title": {"text": "epochs trained (log)"}}))


def devices(snapshot: ExperimentSnapshot) -> dict[str, Any] | None:
    """The objective against training runtime, one colour per device (``--devices``)."""
    config = snapshot.config
    if config is None or not config.settings.devices.options:
        return None
    objective = data.objective_name(config)
    traces = []
    for index, device in enumerate(config.settings.devices.options):
        at = [job for job in snapshot.jobs if job.device == device and job.status is JobStatus.COMPLETE
              and data.finite_value(job.values, objective) is not None
              and data.finite_value(job.values, "runtime") is not None]
        if at:
            traces.append(job_points(at, config, [job.values["runtime"] for job in at],
                                     [job.values[objective] for job in at], device, {"size": 9, "color": colour(index)}))
    if not traces:
        return None
    return figure("devices", f"{objective} against training runtime, by device", traces,
                  layout(f"{objective} against training runtime, by device", data.metric_label("runtime", config),
                         data.metric_label(objective, config)))


def _listed(values: np.ndarray) -> list[float | None]:
    """A float array as JSON numbers, NaN (no value yet) as a gap."""
    return [None if np.isnan(value) else float(value) for value in values]


def all_figures(snapshot: ExperimentSnapshot) -> list[dict[str, Any]]:
    """Every figure that has data, in the order the page shows them."""
    from hyperpower.dashboard.figures_hardware import predicted_vs_measured
    from hyperpower.dashboard.figures_pareto import hypervolume, pareto_front

    makers: list[Callable[[], Any]] = [
        lambda: pareto_front(snapshot), lambda: hypervolume(snapshot),
        lambda: best_so_far(snapshot, "evaluations"), lambda: best_so_far(snapshot, "time"),
        lambda: predicted_vs_measured(snapshot), lambda: violations(snapshot),
        lambda: rungs(snapshot), lambda: devices(snapshot),
    ]
    figures: list[dict[str, Any]] = []
    for make in makers:
        made = make()
        if isinstance(made, list):
            figures += made
        elif made is not None:
            figures.append(made)
    return figures
