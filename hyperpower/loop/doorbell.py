"""A doorbell between ``hyperpower run``'s driver and its local worker threads.

Without it, each side polls the store: the driver looks for finished jobs every poll interval
(0.5 s) and a worker for queued ones every poll interval, so every evaluation waited on average
one interval (up to two) with nothing to do; a 30-evaluation Spearmint run spent as long waiting
as computing. Local workers share the driver's process, so a worker rings the driver's bell when
its job ends and the driver rings the workers' bell when it queues a job, and the waiter wakes at
once. The poll interval stays the upper bound (distributed workers and queue-only drivers only
poll: they share no process).

A stop request (``loop.interrupts`` sets the stop event from a signal handler, which must not take
the bell's lock) is noticed within ``STOP_CHECK_S`` while waiting.
"""

from __future__ import annotations

import threading
import time

#: how often a waiter looks at the stop event (a signal handler sets it; it cannot ring)
STOP_CHECK_S = 0.05


class Doorbell:
    """``since = bell.rings()``, look for work, then ``bell.wait(since, ...)``: a ring between the
    two is never missed, as the wait returns at once when the count moved."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rings = 0

    def rings(self) -> int:
        """How often it rang so far; take this before looking for work."""
        with self._condition:
            return self._rings

    def ring(self) -> None:
        with self._condition:
            self._rings += 1
            self._condition.notify_all()

    def wait(self, since: int, timeout_s: float, stop_event: threading.Event) -> None:
        """Until it rang after ``since``, ``stop_event`` is set, or ``timeout_s`` passed."""
        deadline = time.monotonic() + timeout_s
        with self._condition:
            while self._rings == since and not stop_event.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                self._condition.wait(min(remaining, STOP_CHECK_S))
