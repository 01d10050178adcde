"""Start job processes: forks of a warm server on the CPU, fresh Python processes elsewhere.

Every job runs in a process of its own (framework state and device memory are released after
each, and a crash or OOM kill takes only that job). Importing Keras/TensorFlow costs 3-10 s per
fresh process on a small CPU machine, as long as training a digits network for a few epochs, so on
the CPU with the TensorFlow backend a worker forks each job from a server that imported them once
(``hyperpower.forkserver``). Both kinds of task answer ``wait(timeout_s)`` and ``kill()``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol, Sequence

from hyperpower.forkserver import ForkServer, fork_server_supported, shielded_child_options

JOB_TARGET = "hyperpower.loop.job_process:main"
#: what every HyperPower job imports: loaded once by the fork server
JOB_PRELOAD = ("keras", "sklearn.datasets", "hyperpower.loop.job_process", "hyperpower.objective",
               "hyperpower.network", "hyperpower.training", "hyperpower.template")


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
    """Launches ``job_process`` tasks for one worker; the fork server starts on first use."""

    def __init__(self, use_fork_server: bool, environment: dict[str, str] | None = None) -> None:
        self.use_fork_server = use_fork_server
        self.environment = dict(os.environ if environment is None else environment, PYTHONUNBUFFERED="1")
        self._server: ForkServer | None = None

    @classmethod
    def for_device(cls, device: str, hyperpower_layout: bool) -> "JobLauncher":
        """Forks for HyperPower jobs on the CPU; a plain Spearmint main-file may import anything,
        so it always gets a fresh process."""
        from hyperpower.hardware.subprocess_measure import device_environment

        return cls(hyperpower_layout and fork_server_supported(device), device_environment(device))

    def start(self, argv: Sequence[str], log_path: Path) -> JobTask:
        """Run ``python -m hyperpower.loop.job_process ARGV`` with output appended to ``log_path``."""
        if self.use_fork_server:
            if self._server is None:
                self._server = ForkServer(JOB_PRELOAD, JOB_TARGET, env=self.environment)
            return self._server.start(argv, log_path)
        with open(log_path, "a") as log:
            process = subprocess.Popen([sys.executable, "-m", "hyperpower.loop.job_process", *argv],
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       env=self.environment, **shielded_child_options())
        return _FreshProcessTask(process)

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
