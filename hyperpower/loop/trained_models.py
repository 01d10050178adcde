"""Which trained models stay in ``EXP/output`` (``--keep-models best|all|none``).

A job process saves its trained model as ``output/job_NNNNN.keras`` (``objective.evaluate_job``);
whether that job is the best so far is only known from the store, so the worker prunes after each
job it finishes (``Worker.run``, the one caller). Pruning reads one snapshot of the store and
deletes only the models of *finished* jobs that the policy does not keep:

- ``best``: the best feasible complete job's (``report.summary.best_feasible_job``); with several
  objectives, those of the feasible Pareto front's jobs (``report.pareto.front_jobs``);
- ``all``: every complete job's (a broken job's result is not worth loading);
- ``none``: no one's (and the job process saves none).

Why this is safe with several workers finishing at once: a finished job never changes, and the
best job is the minimum of a fixed order (objective, then id) over the finished jobs. A finished
job that is not the best in some snapshot is beaten by a job that stays finished, so it can never
become the best later: whatever snapshot a worker pruned from, the current best's file is never
deleted. The same holds for the front: a job dominated by a finished job stays dominated. Files
of pending and running jobs are not touched.
"""

from __future__ import annotations

from pathlib import Path

from hyperpower.config import ExperimentConfig
from hyperpower.experiment import ExperimentPaths
from hyperpower.jobs import Job, JobStatus
from hyperpower.report.pareto import front_jobs, has_several_objectives
from hyperpower.report.summary import best_feasible_job
from hyperpower.store.base import ExperimentStore


def models_to_keep(jobs: list[Job], config: ExperimentConfig) -> set[int]:
    """Ids of the jobs whose trained model the ``keep_models`` setting keeps."""
    policy = config.settings.training.keep_models
    if policy == "all":
        return {job.id for job in jobs if job.status is JobStatus.COMPLETE}
    if policy == "best" and has_several_objectives(config):
        return {job.id for job in front_jobs(jobs, config)}
    if policy == "best":
        best = best_feasible_job(jobs, config)
        return set() if best is None else {best.id}
    return set()


def prune_trained_models(store: ExperimentStore, paths: ExperimentPaths, config: ExperimentConfig) -> list[Path]:
    """Delete the trained models of finished jobs the policy does not keep; returns the deleted
    files. A file that cannot be deleted is left for the next pruning (never stops the worker)."""
    jobs = store.list_jobs(config.name)
    keep = models_to_keep(jobs, config)
    deleted = []
    for job in jobs:
        if not job.status.finished or job.id in keep:
            continue
        path = paths.job_model(job.id)
        try:
            path.unlink()
        except OSError:  # already gone, or not ours to delete: nothing to prune here
            continue
        deleted.append(path)
    return deleted


def trained_model_file(paths: ExperimentPaths, job: Job) -> Path | None:
    """A complete job's trained model when it is still on disk here; None when it was pruned,
    never kept (``--keep-models none``, a model Keras could not save), or the job is not complete."""
    if job.status is not JobStatus.COMPLETE:
        return None
    path = paths.job_model(job.id)
    return path if path.is_file() else None
