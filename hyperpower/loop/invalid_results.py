"""When a run's first results are all NaN: one line that says so, with the exception behind it.

A NaN result is a hidden constraint (an invalid configuration), so a run of them is legal and the
run goes on. But when the first several results are all NaN, the likelier story is a main-file
that catches its own exception and returns NaN (Spearmint's constrained example does), so every
job, feasible points included, becomes "invalid" without a traceback anywhere. The loop cannot
see the caught exception; the job's log usually shows what the main-file printed about it, and
that is what the line quotes.
"""

from __future__ import annotations

import re
from pathlib import Path

from hyperpower.config import ExperimentConfig
from hyperpower.jobs import Job, JobStatus

#: how many first results must all be NaN before the run says so
FIRST_RESULTS = 3
#: ``TypeError: ...``, ``ValueError('...')``, ``x.py:3: RuntimeWarning: ...``: a line naming an exception
_EXCEPTION_LINE = re.compile(r"\b[A-Z]\w*(Error|Exception|Warning|Interrupt)\b\s*(:|\(|$)")
#: a line a main-file prints beside a caught exception (``An error occurred in branin_con.py``)
_ERROR_WORDS = re.compile(r"\b(error|exception|failed|failure)\b", re.IGNORECASE)
_JOB_HEADER = "# job "  # the first line the loop writes into every job log


def first_exception_text(log_text: str) -> str | None:
    """The first exception a job log shows, as one line, or None: a traceback's exception line;
    else a line naming an exception type; else a line saying an error occurred, with the line
    printed just before it (what ``print(ex)`` wrote, in Spearmint's examples)."""
    lines = [line.rstrip() for line in log_text.splitlines()]
    for index, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last)"):
            for after in lines[index + 1:]:
                if after and not after[0].isspace():
                    return after.strip()
    for line in lines:
        if not line.startswith(_JOB_HEADER) and _EXCEPTION_LINE.search(line):
            return line.strip()
    for index, line in enumerate(lines):
        if not line.startswith(_JOB_HEADER) and _ERROR_WORDS.search(line):
            before = lines[index - 1].strip() if index > 0 and not lines[index - 1].startswith(_JOB_HEADER) else ""
            return f"{before} / {line.strip()}" if before else line.strip()
    return None


def all_nan_line(jobs: list[Job], config: ExperimentConfig) -> str | None:
    """The warning line when the experiment's first ``FIRST_RESULTS`` complete jobs are all
    invalid (NaN), else None."""
    from hyperpower.feasibility import is_invalid_job

    first = sorted((j for j in jobs if j.status is JobStatus.COMPLETE), key=lambda j: j.id)[:FIRST_RESULTS]
    if len(first) < FIRST_RESULTS or not all(is_invalid_job(job, config) for job in first):
        return None
    line = (f"hyperpower: warning: the first {FIRST_RESULTS} results (jobs {', '.join(str(j.id) for j in first)}) "
            f"are all NaN (invalid)")
    for job in first:
        text = first_exception_text(_read(job.log_path))
        if text:
            return f"{line}; {job.log_path} shows: {text}"
    logs = ", ".join(str(job.log_path) for job in first if job.log_path) or "none kept"
    return f"{line}; their logs ({logs}) show no exception, so the main-file returns NaN itself"


def _read(path: str | None) -> str:
    if not path:
        return ""
    try:
        return Path(path).read_text(errors="replace")
    except OSError:
        return ""
