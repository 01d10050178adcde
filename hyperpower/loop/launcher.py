"""Start job processes: forks of the worker's warm server on the CPU, fresh Python processes elsewhere.

Every job runs in a process of its own (framework state and device memory are released after
each, and a crash or OOM kill takes only that job). Importing Keras/TensorFlow costs 3-10 s per
fresh process on a small CPU machine, as long as training a digits network for a few epochs, so on
the CPU with the TensorFlow backend a worker forks each job from the server that also measures
its networks and imported Keras once (``loop.executor``, ``hardware.measure_server``); the job
imports its own modules after the fork (about 0.1 s of CPU). Both kinds of task answer
``wait(timeout_s)`` and ``kill()``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol, Sequence

from hyperpower.forkserver import ForkServer, shielded_child_options

JOB_TARGET = "hyperpower.loop.job_process:main"


class JobTask(Protocol):
    def wait(self, timeout_s: float) -> int | None: ...

    def kill(self) -> None: ...


class _FreshProcessTask:
    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process

    def wait(self, timeout_s: float) -> int | None:
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


class JobLauncher:
    """Launches ``job_process`` tasks for one worker and device: forked from ``server`` (the
    worker's fork server; the worker closes it) where given, else fresh Python processes (a GPU;
    a plain Spearmint main-file, which may import anything)."""

    def __init__(self, environment: dict[str, str] | None = None, server: ForkServer | None = None) -> None:
        self.environment = dict(os.environ if environment is None else environment, PYTHONUNBUFFERED="1")
        self.server = server

    @classmethod
    def for_device(cls, device: str, server: ForkServer | None = None) -> "JobLauncher":
        from hyperpower.hardware.subprocess_measure import device_environment

        return cls(device_environment(device), server)

    def start(self, argv: Sequence[str], log_path: Path) -> JobTask:
        """Run ``python -m hyperpower.loop.job_process ARGV`` with output appended to ``log_path``."""
        if self.server is not None:
            return self.server.start(argv, log_path, target=JOB_TARGET)
        with open(log_path, "a") as log:
            process = subprocess.Popen([sys.executable, "-m", "hyperpower.loop.job_process", *argv],
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=self.environment, **shielded_child_options())
        return _FreshProcessTask(process)
