"""Ctrl-C and SIGTERM as a stop request: the running job goes back to the queue, then the process exits.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group, and a batch system's
``kill`` sends SIGTERM. Job processes and fork servers run in sessions of their own
(``forkserver.shielded_child``), so only the ``run``/``worker`` process gets the signal and decides
what happens: while the loop runs, the first signal sets a stop event (workers kill their job
process and give the job back); a second one, or one before the loop started, raises
``Interrupted`` at once. Either way the command exits with 128 + the signal number (130, 143).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

HANDLED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """Raised in the main thread for a signal the loop could not turn into a clean stop."""

    def __init__(self, signal_number: int) -> None:
        super().__init__(signal.Signals(signal_number).name)
        self.signal_number = signal_number
        self.exit_code = 128 + signal_number


class StopSignals:
    """Installs SIGINT/SIGTERM handlers for the duration of a ``with`` block (main thread only)."""

    def __init__(self, event: threading.Event | None = None) -> None:
        self.event = event or threading.Event()
        self.signal_number: int | None = None
        self._deferred = False
        self._previous: dict[int, object] = {}

    @property
    def signal_name(self) -> str:
        return signal.Signals(self.signal_number).name if self.signal_number else ""

    @property
    def exit_code(self) -> int:
        """128 + the signal number (130 for SIGINT, 143 for SIGTERM); 0 when none came."""
        return 128 + self.signal_number if self.signal_number else 0

    def __enter__(self) -> "StopSignals":
        for number in HANDLED_SIGNALS:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    @contextlib.contextmanager
    def deferred(self) -> Iterator[threading.Event]:
        """Inside: the first signal only sets ``event`` (the loop stops cleanly at its next check)."""
        self._deferred = True
        try:
            yield self.event
        finally:
            self._deferred = False

    def _handle(self, signal_number: int, _frame: object) -> None:
        first = self.signal_number is None
        if first:
            self.signal_number = signal_number
        if first and self._deferred:
            self.event.set()
            return
        raise Interrupted(self.signal_number)  # the first signal names the exit status
