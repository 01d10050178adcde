"""Suggestions fitted while workers train, so a worker that frees up gets its next job at once.

Without it the driver sits idle while jobs run and only starts the optimizer (an MCMC fit and an
acquisition search: seconds at a few hundred results) once a worker has already finished, and
that worker waits. ``BackgroundSuggester`` keeps one suggestion ready instead: as soon as the
finished results change, a background thread asks the optimizer for one configuration from
every finished result, with every pending and running job as a fantasy (as ``Optimizer.suggest``
always treats them). When a worker frees up, the driver queues the ready suggestion and starts
the next fit, which now sees that result.

The ready suggestion saw the job that just finished as pending, not its value: the usual price
of asynchronous parallel BO, and why it is only used with more than one worker (a single worker
would run a strictly sequential optimization one result behind). The optimizer is not thread
safe, so every call to it goes through this object's single fitting thread.
"""

from __future__ import annotations

import dataclasses
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Protocol, Sequence

from hyperpower.jobs import Job, JobStatus


class SuggestingOptimizer(Protocol):
    def suggest(self, jobs: Sequence[Job], count: int = 1) -> list: ...


@dataclasses.dataclass
class PreparedFit:
    """A background fit: the finished results and the pending/running jobs it was given."""

    finished: frozenset[int]
    pending: frozenset[int]
    future: Future


def _finished_ids(jobs: Sequence[Job]) -> frozenset[int]:
    return frozenset(j.id for j in jobs if j.status in (JobStatus.COMPLETE, JobStatus.BROKEN))


def _pending_ids(jobs: Sequence[Job]) -> frozenset[int]:
    return frozenset(j.id for j in jobs if j.status in (JobStatus.PENDING, JobStatus.RUNNING))


class BackgroundSuggester:
    """One suggestion kept ready from the latest results; ``take`` it, ``suggest_now`` for more."""

    def __init__(self, optimizer: SuggestingOptimizer) -> None:
        self.optimizer = optimizer
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hyperpower-fit")
        self._fit: PreparedFit | None = None
        self.started: list[PreparedFit] = []  # every fit started, for tests and measurements

    def prepare(self, jobs: Sequence[Job]) -> None:
        """Start a background fit for the next free worker unless one from these finished
        results is already ready or running."""
        finished = _finished_ids(jobs)
        if self._fit is not None and (self._fit.finished == finished or not self._fit.future.done()):
            return
        snapshot = list(jobs)
        self._fit = PreparedFit(finished, _pending_ids(jobs), self._thread.submit(self.optimizer.suggest, snapshot, 1))
        self.started.append(self._fit)

    def take(self, jobs: Sequence[Job]):
        """The prepared suggestion (waiting for its fit if it is still running), or None when
        there is none or its configuration was queued meanwhile; the next ``prepare`` starts anew."""
        fit, self._fit = self._fit, None
        if fit is None:
            return None
        suggestion = fit.future.result()[0]
        taken = [j.raw_params for j in jobs]
        return None if suggestion.raw_params in taken else suggestion

    def suggest_now(self, jobs: Sequence[Job], count: int) -> list:
        """``count`` suggestions computed now (after any fit in flight: one optimizer call at a time)."""
        if self._fit is not None and not self._fit.future.done():
            self._fit.future.exception()  # wait; its error, if any, surfaces in ``take``
        return self._thread.submit(self.optimizer.suggest, list(jobs), count).result()

    def close(self) -> None:
        """Wait for a fit in flight (a thread cannot be interrupted; one fit takes seconds)."""
        self._thread.shutdown(wait=True, cancel_futures=True)
