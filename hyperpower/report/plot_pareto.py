"""The figures of several objectives (issue 12): the Pareto front and the hypervolume over time.

1. ``pareto_front.png``: for two objectives, every complete job in the objective plane with the
   feasible front as a staircase (dominated feasible jobs faded, jobs breaking a budget as red
   crosses, invalid and broken jobs left out), the reference point as dashed lines, and for a
   front job whose a-priori model predicted an objective other than measured, the prediction as a
   hollow marker joined to the measurement; for three or more objectives, one such panel per pair
   (the front is the front in all objectives, so a front job may look dominated in a projection);
   under a scheduler every job's marker grows with its rung, a legend entry per rung;
2. ``hypervolume.png``: the hypervolume of the feasible front after each evaluation, against the
   evaluation number and the wall-clock time, with the final reference point.

One-objective experiments draw neither (nothing is noted: they have no front). The numbers come
from ``hyperpower.report.pareto``, what "front" means everywhere.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job, JobStatus
from hyperpower.report import pareto
from hyperpower.report import plot_data as data
from hyperpower.report import plot_style as style
from hyperpower.report.plot_style import Note, print_note
from hyperpower.feasibility import feasibility

FRONT_FILE = "pareto_front.png"
HYPERVOLUME_FILE = "hypervolume.png"
#: a prediction "differs" from the measurement when they are further apart than this share
PREDICTION_TOLERANCE = 0.005
FRONT_COLOUR = "tab:blue"
#: marker area of a job off the front; a front job's is ``FRONT_SCALE`` times larger
JOB_SIZE = 30.0
FRONT_SCALE = 5 / 3


def plot_pareto_front(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                      note: Note = print_note) -> list[Path]:
    """The staircase (two objectives) or pairwise panels (three or more); see the module doc."""
    if not pareto.has_several_objectives(config):
        return []
    names = pareto.objective_names(config)
    front = pareto.pareto_front(jobs, config)
    plotted = [job for job in jobs if job.status is JobStatus.COMPLETE and pareto.objective_vector(job, config) is not None]
    if not front.jobs:
        note(f"skipped {FRONT_FILE}: no feasible complete job with every objective ({', '.join(names)}) yet")
        return []
    pairs = list(itertools.combinations(range(len(names)), 2))
    figure, axes = style.new_figure(len(pairs))
    front_ids = {job.id for job in front.jobs}
    sizes = style.rung_sizes(data.fidelity_levels(plotted, config), JOB_SIZE)  # rungs told apart (issue 22 point 10)
    for axis, (i, j) in zip(axes, pairs):
        _draw_jobs(axis, plotted, front_ids, config, names[i], names[j], sizes)
        _draw_front(axis, front, names[i], names[j], staircase=len(names) == 2, sizes=sizes)
        _draw_predictions(axis, front.jobs, names[i], names[j])
        axis.axvline(front.reference[names[i]], color="gray", linestyle=":", linewidth=1)
        axis.axhline(front.reference[names[j]], color="gray", linestyle=":", linewidth=1)
        axis.set_xlabel(data.metric_label(names[i], config))
        axis.set_ylabel(data.metric_label(names[j], config))
    handles, _ = axes[0].get_legend_handles_labels()
    rungs = style.rung_legend_handles(sizes) if len(sizes) > 2 else []
    axes[0].legend(handles=handles + rungs, fontsize="x-small", loc="upper right")
    axes[0].set_title(f"hypervolume {front.hypervolume:.4g} (reference point: dotted)", fontsize="small")
    figure.suptitle(f"{config.name}: feasible front, {len(front.jobs)} job(s)", fontsize="medium")
    return [style.save_figure(figure, out_dir / FRONT_FILE)]


def plot_hypervolume(jobs: Sequence[Job], config: ExperimentConfig, out_dir: Path,
                     note: Note = print_note) -> list[Path]:
    """Hypervolume of the feasible front after each evaluation, by count and by time."""
    if not pareto.has_several_objectives(config):
        return []
    front = pareto.pareto_front(jobs, config)
    if not front.jobs:
        note(f"skipped {HYPERVOLUME_FILE}: no feasible front yet")
        return []
    evaluations = data.evaluated_jobs(jobs)
    history = pareto.hypervolume_history(evaluations, config, front.reference_array())
    elapsed = data.elapsed_times(evaluations)
    divisor, unit = data.time_axis_scale(float(np.nanmax(np.append(elapsed, 0.0))))
    figure, (by_count, by_time) = style.new_figure(2)
    counts = np.arange(1, len(evaluations) + 1, dtype=float)
    for axis, xs in ((by_count, counts), (by_time, elapsed / divisor)):
        keep = ~np.isnan(xs)
        axis.step(xs[keep], history[keep], where="post", color=FRONT_COLOUR, linewidth=2.5)
        axis.set_ylabel("hypervolume of the feasible front")
        axis.set_ylim(bottom=0)
    by_count.set_xlabel("evaluation number")
    by_count.xaxis.get_major_locator().set_params(integer=True)
    by_time.set_xlabel(f"wall-clock time since the first job started ({unit})")
    reference = ", ".join(f"{name}={value:.4g}" for name, value in front.reference.items())
    figure.suptitle(f"{config.name}: hypervolume against the reference point {reference}", fontsize="medium")
    return [style.save_figure(figure, out_dir / HYPERVOLUME_FILE)]


def _draw_jobs(axis: Any, jobs: list[Job], front_ids: set[int], config: ExperimentConfig, x: str, y: str,
               sizes: dict[int | None, float]) -> None:
    """Dominated feasible jobs faded, feasible jobs of a lower rung than the front's (not ranked:
    ``feasibility.at_top_fidelity``) hollow, jobs breaking a budget as crosses, each sized by its
    rung (``sizes``: epochs -> area); front jobs drawn by _draw_front."""
    kinds: dict[str, list[Job]] = {"feasible, dominated": [], "feasible, lower rung (not ranked)": [],
                                   "breaks a budget": [], "no budget verdict": []}
    ranked = {job.id for job in pareto.front_candidates(jobs, config)}
    for job in jobs:
        if job.id in front_ids:
            continue
        verdict = feasibility(job, config)
        if verdict is True:
            kind = "feasible, dominated" if job.id in ranked else "feasible, lower rung (not ranked)"
        else:
            kind = "breaks a budget" if verdict is False else "no budget verdict"
        kinds[kind].append(job)
    looks = {"feasible, dominated": dict(color=FRONT_COLOUR, alpha=0.25, marker="o"),
             "feasible, lower rung (not ranked)": dict(facecolors="none", edgecolors=FRONT_COLOUR, alpha=0.6,
                                                       marker="o"),
             "breaks a budget": dict(color=style.FEASIBILITY_STYLE[False][0], alpha=0.5, marker="X"),
             "no budget verdict": dict(color=style.FEASIBILITY_STYLE[None][0], alpha=0.5, marker="o")}
    for kind, group in kinds.items():
        if group:
            axis.scatter([job.values[x] for job in group], [job.values[y] for job in group], s=_sizes(group, sizes),
                         zorder=2, label=kind, **looks[kind])


def _draw_front(axis: Any, front: pareto.ParetoFront, x: str, y: str, staircase: bool,
                sizes: dict[int | None, float]) -> None:
    xs = np.array([job.values[x] for job in front.jobs], dtype=float)
    ys = np.array([job.values[y] for job in front.jobs], dtype=float)
    axis.scatter(xs, ys, s=[FRONT_SCALE * size for size in _sizes(front.jobs, sizes)], color=FRONT_COLOUR,
                 edgecolors="black", zorder=4, label="feasible front")
    if staircase:
        order = np.argsort(xs, kind="stable")
        steps_x = np.concatenate([xs[order], [front.reference[x]]])
        steps_y = np.concatenate([ys[order], [ys[order][-1]]])
        axis.step(steps_x, steps_y, where="post", color=FRONT_COLOUR, linewidth=1.8, zorder=3)
        axis.plot([xs[order][0]] * 2, [front.reference[y], ys[order][0]], color=FRONT_COLOUR, linewidth=1.8, zorder=3)


def _sizes(jobs: Sequence[Job], sizes: dict[int | None, float]) -> list[float]:
    """Each job's marker area by the epochs it trained (its rung)."""
    return [sizes.get(job.epochs, sizes[None]) for job in jobs]


def _draw_predictions(axis: Any, jobs: list[Job], x: str, y: str) -> None:
    """A hollow marker at the model's prediction, joined to the measurement, where they differ."""
    labelled = False
    for job in jobs:
        measured = np.array([job.values[x], job.values[y]], dtype=float)
        predicted = np.array([_prediction(job, x), _prediction(job, y)], dtype=float)
        if np.allclose(predicted, measured, rtol=PREDICTION_TOLERANCE, atol=0.0):
            continue
        axis.plot(*zip(measured, predicted), color="gray", linewidth=0.8, zorder=3)
        axis.scatter(*predicted, s=40, facecolors="none", edgecolors="gray", zorder=3,
                     label=None if labelled else "model's predicted cost")
        labelled = True


def _prediction(job: Job, metric: str) -> float:
    """The a-priori prediction of ``metric`` when finite, else the measurement (no arrow then)."""
    value = data.finite_value(job.predicted, metric)
    return float(job.values[metric]) if value is None else value


PARETO_PLOTS = (plot_pareto_front, plot_hypervolume)
