"""One driver per experiment folder, and the proof that an earlier run's local workers are dead.

The driver holds an exclusive ``flock`` on ``EXP/output/driver.lock`` while it runs; the kernel
drops it when the process ends, however it ends (even ``kill -9``). Local workers are threads of
their driver, so when a new driver gets the lock, every local worker of an earlier run is gone and
its RUNNING jobs can go back to the queue at once. Host names and PIDs cannot prove that:
containers share a host name but not a PID namespace. Distributed workers are judged by their
heartbeat only. A second driver of the same folder is refused (two drivers would each fill the
queue up to ``--max-evals``).
"""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path

from hyperpower.errors import HyperPowerError

LOCK_FILE_NAME = "driver.lock"


class DriverLock:
    """``acquire()`` or a HyperPowerError naming the driver that holds it; ``release()`` when done."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(descriptor, 200).decode(errors="replace").strip() or "another process"
            os.close(descriptor)
            raise HyperPowerError(
                f"another `hyperpower run` is driving this experiment ({holder}; lock {self.path}): "
                f"wait for it to finish or stop it (Ctrl-C) before starting a new one") from None
        os.ftruncate(descriptor, 0)
        os.write(descriptor, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._descriptor = descriptor

    def release(self) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)  # closing drops the flock
            self._descriptor = None
