"""When broken jobs mean a broken experiment: the run stops instead of spending its evaluations.

A job that crashes is recorded BROKEN with its reason (an exception's traceback, a timeout, a
killed process) followed by the tail of its log, and the run goes on: one unlucky configuration
must not end an optimization. But a bug in the template or the data breaks every job the same
way, and would burn the whole ``--max-evals`` budget one traceback at a time. Two signs stop the
run: every job this run finished broke with the same error (after ``same_error_limit`` jobs), or
the last ``max_consecutive_broken`` jobs all broke (crashes only: an infeasible but complete
job is a result, not a failure).
"""

from __future__ import annotations

from hyperpower.jobs import Job, JobStatus, error_reason


def failure_summary(error: str | None) -> str:
    """The line that says why a job broke (``jobs.error_reason``), or ``unknown``."""
    return error_reason(error) or "unknown"


def failure_stop_reason(finished: list[Job], max_consecutive_broken: int, same_error_limit: int) -> str | None:
    """Why the run should stop, given the jobs it finished (COMPLETE/BROKEN); None to go on."""
    finished = sorted(finished, key=lambda j: (j.end_time or 0.0, j.id))
    broken = [j for j in finished if j.status is JobStatus.BROKEN]
    if same_error_limit and len(finished) >= same_error_limit and len(broken) == len(finished):
        reasons = {failure_summary(j.error) for j in broken}
        if len(reasons) == 1:
            return f"all {len(broken)} jobs this run finished broke with the same error: {reasons.pop()}"
    streak = finished[-max_consecutive_broken:] if max_consecutive_broken else []
    if streak and len(streak) == max_consecutive_broken and all(j.status is JobStatus.BROKEN for j in streak):
        return (f"the last {max_consecutive_broken} jobs all broke "
                f"(last: job {streak[-1].id}: {failure_summary(streak[-1].error)})")
    return None
