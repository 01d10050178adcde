"""Retry a store operation with growing, jittered pauses until a deadline.

Both backends meet transient trouble that clears by itself: SQLite answers ``database is locked``
while another process commits, and a MongoDB replica set elects a new primary in a few seconds.
Failing the whole experiment on the first such error would be wrong; waiting forever would hide a
dead server. So each operation is retried with exponential backoff (jittered, so processes that
collided once do not collide again in lock-step) until ``timeout_s`` has passed, and then the
caller turns the last error into a ``StoreError`` that names the file or URI.
"""

from __future__ import annotations

import dataclasses
import random
import time
from typing import Callable, TypeVar

Result = TypeVar("Result")


@dataclasses.dataclass(frozen=True)
class Backoff:
    """Pauses: ``first_s``, then ×``factor`` per retry, capped at ``max_s``, with ±50 % jitter."""

    first_s: float = 0.01
    factor: float = 2.0
    max_s: float = 1.0

    def pause(self, retry_index: int, jitter: random.Random) -> float:
        base = min(self.max_s, self.first_s * self.factor**retry_index)
        return base * jitter.uniform(0.5, 1.5)


class RetryTimeout(Exception):
    """The operation kept failing transiently until the deadline; ``last_error`` is the cause."""

    def __init__(self, waited_s: float, attempts: int, last_error: BaseException) -> None:
        super().__init__(f"gave up after {attempts} attempts in {waited_s:.1f} s: {last_error}")
        self.waited_s = waited_s
        self.attempts = attempts
        self.last_error = last_error


def retry_until(
    operation: Callable[[], Result],
    is_transient: Callable[[BaseException], bool],
    timeout_s: float,
    *,
    backoff: Backoff = Backoff(),
    jitter: random.Random | None = None,
    monotonic: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Result:
    """Run ``operation`` until it succeeds, retrying errors ``is_transient`` accepts.

    A non-transient error propagates at once. When transient errors last past ``timeout_s``
    (measured on ``monotonic``, so wall-clock jumps do not matter) ``RetryTimeout`` is raised.
    ``jitter`` only spreads the pauses; it never changes a result, so an unseeded
    ``random.Random`` is the default.
    """
    jitter = jitter or random.Random()
    started = monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return operation()
        except Exception as error:  # noqa: BLE001 - filtered by is_transient just below
            if not is_transient(error):
                raise
            waited = monotonic() - started
            if waited >= timeout_s:
                raise RetryTimeout(waited, attempt, error) from error
            pause = backoff.pause(attempt - 1, jitter)
            sleep(max(0.0, min(pause, timeout_s - waited)))
