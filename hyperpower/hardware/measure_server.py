"""Measuring many network files quickly: a fork server that imports Keras once (CPU).

Profiling measures tens of configurations and every job of a run is measured, each in a process
of its own (see ``subprocess_measure``: a process that trained or built other networks would count
their memory). A fresh process costs 3-10 s of imports on a small CPU machine, far more than the
~1 s a digits network takes to measure, so on the CPU the measurements run in forks of one warm
server (``hyperpower.forkserver``). GPUs always use a fresh process per file (CUDA does not
survive a fork).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Sequence

from hyperpower.forkserver import ForkServer, ForkServerError, fork_server_supported
from hyperpower.hardware import protocol
from hyperpower.hardware.subprocess_measure import (
    MeasurementFailed,
    device_environment,
    measure_network_file,
    measure_arguments,
    read_result,
)

__all__ = ["MeasurementServer", "fork_server_supported", "measurement_fork_server"]

#: what a measurement's process holds before it builds the network: Keras, and the measuring code
MEASURE_PRELOAD = ("keras",)
MEASURE_TARGET = "hyperpower.hardware.subprocess_measure:main"

#: TEST HOOK ONLY (``hardware.protocol``): seconds to sleep before each measurement, standing in
#: for a slow device measurement (GPU windows take minutes) so tests can check that heartbeats cover it
TEST_MEASURE_DELAY_ENV = protocol.TEST_MEASURE_DELAY_ENV


def measurement_fork_server(device: str | None, extra_environment: dict[str, str] | None = None,
                            startup_timeout_s: float = 300.0) -> ForkServer:
    """A fork server whose children measure network files (``MEASURE_PRELOAD`` imported once, the
    device pinned in its environment). Children asked for another target import it after the fork
    (``forkserver``), so a worker's jobs may fork from it too without changing what a
    measurement's process holds, and so what it measures."""
    environment = {**device_environment(device), **(extra_environment or {})}
    return ForkServer(MEASURE_PRELOAD, MEASURE_TARGET, env=environment, startup_timeout_s=startup_timeout_s)


class MeasurementServer:
    """Measure network files through a fork server where supported, else in fresh processes.

    ``server``: a running ``measurement_fork_server`` to use (shared with the worker's jobs); it
    is not closed here. Without it the server is started here and closed with this object."""

    def __init__(self, device: str | None, startup_timeout_s: float = 300.0, server: ForkServer | None = None) -> None:
        self.device = device
        self._server: ForkServer | None = server
        self._owned = server is None
        if server is None and fork_server_supported(device):
            try:
                self._server = measurement_fork_server(device, startup_timeout_s=startup_timeout_s)
            except ForkServerError as exc:
                raise MeasurementFailed(f"the measurement server did not start: {exc}") from None

    def measure(self, network_path: str | Path, metrics: Sequence[str], *, min_window_s: float | None = None,
                repetitions: int | None = None, seed: int | None = None, timeout_s: float = 600.0) -> dict[str, Any]:
        """Same result as ``measure_network_file``."""
        time.sleep(protocol.measure_delay_s())  # 0 unless a test asks; a malformed value is ignored
        if self._server is None:
            return measure_network_file(network_path, metrics, self.device, min_window_s=min_window_s,
                                        repetitions=repetitions, seed=seed, timeout_s=timeout_s)
        network_path = Path(network_path)
        result_path, log_path = network_path.with_suffix(".measure.json"), network_path.with_suffix(".measure.log")
        result_path.unlink(missing_ok=True)
        log_path.unlink(missing_ok=True)
        argv = measure_arguments(network_path, metrics, result_path, self.device, min_window_s, repetitions, seed)
        try:
            task = self._server.start(argv, log_path)
            if task.wait(timeout_s) is None:
                task.kill()
                raise MeasurementFailed(f"measuring {network_path} took longer than {timeout_s:g} s (log: {log_path})")
        except ForkServerError as exc:
            raise MeasurementFailed(f"the measurement server failed while measuring {network_path}: {exc}") from None
        return read_result(network_path, result_path, log_path)

    def close(self) -> None:
        if self._server is not None and self._owned:
            self._server.close()
        self._server = None

    def __enter__(self) -> "MeasurementServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
