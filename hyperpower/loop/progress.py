"""One progress line per finished job: id, method, values (with predictions), time, best so far."""

from __future__ import annotations

from typing import Callable

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job, JobStatus
from hyperpower.loop.failures import failure_summary
from hyperpower.units import format_value


def describe_values(job: Job) -> str:
    """``error=0.0833 memory=131.2 MB (pred 128 MB)`` — measured values beside predictions."""
    parts = []
    for metric, value in job.values.items():
        text = f"{metric}={format_value(metric, value)}"
        if metric in job.predicted:
            text += f" (pred {format_value(metric, job.predicted[metric])})"
        parts.append(text)
    for metric, value in job.predicted.items():
        if metric not in job.values:
            parts.append(f"{metric}: pred {format_value(metric, value)}")
    return " ".join(parts)


class ProgressPrinter:
    """Prints each job once, when it is first seen finished, and once per run the line that says
    the first results are all NaN (``invalid_results``)."""

    def __init__(self, config: ExperimentConfig, output: Callable[[str], None]) -> None:
        self.config, self.output = config, output
        self.reported: set[int] = set()
        self.said_all_nan = False

    def remember_finished(self, jobs: list[Job]) -> None:
        """Jobs finished before this run started are not reported again (nor is the NaN line,
        when they already made it true: an earlier run said it)."""
        self.reported.update(j.id for j in jobs if j.status.finished)
        from hyperpower.loop.invalid_results import all_nan_line

        self.said_all_nan = all_nan_line([j for j in jobs if j.status.finished], self.config) is not None

    def report_new(self, jobs: list[Job]) -> None:
        new = [j for j in jobs if j.status.finished and j.id not in self.reported]
        for job in sorted(new, key=lambda j: (j.end_time or 0.0, j.id)):
            self.reported.add(job.id)
            done = [j for j in jobs if j.id in self.reported]
            self.output(f"{job_line(job, self.config)} | {self._best_text(done)}")
        if new and not self.said_all_nan:
            self._say_all_nan(jobs)

    def _say_all_nan(self, jobs: list[Job]) -> None:
        from hyperpower.loop.invalid_results import all_nan_line

        line = all_nan_line([j for j in jobs if j.id in self.reported], self.config)
        if line is not None:
            self.said_all_nan = True
            self.output(line)

    def _best_text(self, done: list[Job]) -> str:
        """``best error=0.08 (job 3)``, or with several objectives ``front: 3 job(s) (2, 5, 7)``."""
        from hyperpower.report.pareto import front_jobs, has_several_objectives
        from hyperpower.report.summary import best_feasible_job

        if has_several_objectives(self.config):
            front = front_jobs(done, self.config)
            return f"front: {len(front)} job(s) ({', '.join(str(j.id) for j in front)})" if front \
                else "no feasible job yet"
        best = best_feasible_job(done, self.config)
        objective = self.config.settings.objectives.primary
        return (f"best {objective}={format_value(objective, best.values.get(objective))} (job {best.id})"
                if best else "no feasible job yet")


def job_line(job: Job, config: ExperimentConfig) -> str:
    """``job    3 [hw-ieci] complete: error=0.0833 ... | 4.1s``; a broken job says why in one line,
    an invalid one (its objective came back NaN) says so."""
    from hyperpower.feasibility import is_invalid_job

    duration = f"{job.duration_s:.1f}s" if job.duration_s is not None else "-"
    status = job.status.value
    if is_invalid_job(job, config):
        status = "invalid (NaN)"
    elif job.status is JobStatus.COMPLETE:
        if job.early_terminated:
            status = "complete (stopped early)"
        if job.feasible is False:
            status += ", breaks a budget"
    detail = describe_values(job)
    if job.status is JobStatus.BROKEN:
        detail = f"{detail} reason: {failure_summary(job.error)}".strip()
    return f"job {job.id:>4} [{job.method}] {status}: {detail} | {duration}"
