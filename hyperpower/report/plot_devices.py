"""``devices.png`` (issue 14): the objective against training cost and runtime, one colour per
device, so the trade-off that makes the device worth choosing (seed 002: no single best device)
is visible at a glance. Drawn only for experiments that choose the device (``--devices``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import plot_data as data
from hyperpower.report import plot_style as style
from hyperpower.report.plot_style import Note, print_note

DEVICES_FILE = "devices.png"


def device_points(jobs: Sequence[Job], objective: str, metric: str) -> dict[str, tuple[list[float], list[float]]]:
    """device -> (metric values, objective values) of the complete jobs that have both."""
    points: dict[str, tuple[list[float], list[float]]] = {}
    for job in jobs:
        x, y = data.finite_value(job.values, metric), data.finite_value(job.values, objective)
        if job.status is JobStatus.COMPLETE and job.device and x is not None and y is not None:
            xs, ys = points.setdefault(job.device, ([], []))
            xs.append(x)
            ys.append(y)
    return points


def plot_devices(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                 note: Note = print_note) -> list[Path]:
    """Objective against cost (when priced) and runtime, coloured by device."""
    if not config.settings.devices.options:
        return []
    objective = data.objective_name(config)
    metrics = [m for m in ("cost", "runtime") if m != objective and device_points(jobs, objective, m)]
    if not metrics:
        note(f"skipped {DEVICES_FILE}: no complete job has both {objective} and a runtime")
        return []
    colours = style.method_colours(list(config.settings.devices.options))
    figure, axes = style.new_figure(len(metrics))
    for axis, metric in zip(axes, metrics):
        for device, (xs, ys) in device_points(jobs, objective, metric).items():
            axis.scatter(xs, ys, color=colours.get(device, "black"), label=device, s=30)
        axis.set_xlabel(data.metric_label(metric, config))
        if metric == "cost":
            style.money_axis(axis, "x")
        axis.set_ylabel(data.metric_label(objective, config))
    axes[0].legend(title="device", fontsize="small")
    figure.suptitle(f"{config.name}: {data.metric_name(objective, config)} against training "
                    f"{' and '.join(metrics)}, by device")
    return [style.save_figure(figure, out_dir / DEVICES_FILE)]
