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

__all__ = ["MeasurementServer", "fork_server_supported"]

#: TEST HOOK ONLY (``hardware.protocol``): seconds to sleep before each measurement, standing in
#: for a slow device measurement (GPU windows take minutes) so tests can check that heartbeats cover it
TEST_MEASURE_DELAY_ENV = protocol.TEST_MEASURE_DELAY_ENV


class MeasurementServer:
    """Measure network files through a fork server where supported, else in fresh processes."""

    def __init__(self, device: str | None, startup_timeout_s: float = 300.0) -> None:
        self.device = device
        self._server: ForkServer | None = None
        if fork_server_supported(device):
            try:
                self._server = ForkServer(["keras"], "hyperpower.hardware.subprocess_measure:main",
                                          env=device_environment(device), startup_timeout_s=startup_timeout_s)
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
        if self._server is not None:
            self._server.close()
            self._server = None

    def __enter__(self) -> "MeasurementServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
