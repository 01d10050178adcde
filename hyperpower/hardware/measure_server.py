"""A fork server for profiling on the CPU: import Keras once, measure each network in a fork.

Profiling measures tens of configurations, each in a process of its own (see
``subprocess_measure``). Starting Python and importing TensorFlow takes 3-10 s on a small CPU
machine, far longer than building and measuring a digits network (~1 s). So, on Linux and for
the CPU device, one server process imports Keras, then ``fork``s a fresh child per
configuration: the child starts from the same warm, untouched state every time (its memory is
measured from the same point), and is thrown away afterwards.

Forking after importing TensorFlow is safe as long as the parent has run no TensorFlow op (its
thread pools and devices start lazily); the server never does. CUDA cannot survive a fork, so
GPU devices always use a fresh process per configuration (``measure_network_file``).

Protocol (JSON lines): the server prints ``{"ready": true}``; for each request line
``{"network", "metrics", "device", "min_window_s", "repetitions", "seed", "result", "log"}`` it
prints ``{"pid": N}`` when the child starts and ``{"exit": code}`` when it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any, Sequence

from hyperpower.hardware.subprocess_measure import (
    MeasurementFailed,
    device_environment,
    measure_network_file,
    read_result,
)


def fork_server_supported(device: str | None) -> bool:
    """Forking is used on Linux for the CPU device only (CUDA does not survive a fork)."""
    from hyperpower.hardware.sensors import parse_device

    spec = parse_device(device)
    return sys.platform.startswith("linux") and spec is not None and spec.kind == "cpu"


class MeasurementServer:
    """Parent side: start the server, measure network files through it, stop it.

    Falls back to a fresh process per file (``measure_network_file``) where forking is not used.
    """

    def __init__(self, device: str | None, startup_timeout_s: float = 300.0) -> None:
        self.device = device
        self._process: subprocess.Popen | None = None
        if fork_server_supported(device):
            self._process = subprocess.Popen(
                [sys.executable, "-m", "hyperpower.hardware.measure_server"], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=device_environment(device))
            self._replies = _LineReader(self._process.stdout)
            if self._replies.message(startup_timeout_s) != {"ready": True}:
                self.close()
                raise MeasurementFailed("the measurement server did not start (could not import keras?)")

    def measure(self, network_path: str | Path, metrics: Sequence[str], *, min_window_s: float | None = None,
                repetitions: int = 4, seed: int | None = None, timeout_s: float = 600.0) -> dict[str, Any]:
        """Same result as ``measure_network_file``."""
        if self._process is None:
            return measure_network_file(network_path, metrics, self.device, min_window_s=min_window_s,
                                        repetitions=repetitions, seed=seed, timeout_s=timeout_s)
        network_path = Path(network_path)
        result_path, log_path = network_path.with_suffix(".measure.json"), network_path.with_suffix(".measure.log")
        result_path.unlink(missing_ok=True)
        request = {"network": str(network_path), "metrics": list(metrics), "device": self.device,
                   "min_window_s": min_window_s, "repetitions": repetitions, "seed": seed,
                   "result": str(result_path), "log": str(log_path)}
        self._process.stdin.write(json.dumps(request) + "\n")
        self._process.stdin.flush()
        started = self._replies.message(60.0) or {}
        if "pid" not in started:
            raise MeasurementFailed(f"the measurement server stopped answering while measuring {network_path}")
        if self._replies.message(timeout_s) is None:
            os.kill(started["pid"], signal.SIGKILL)
            self._replies.message(10.0)
            raise MeasurementFailed(f"measuring {network_path} took longer than {timeout_s:g} s (log: {log_path})")
        return read_result(network_path, result_path, log_path)

    def close(self) -> None:
        if self._process is not None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> "MeasurementServer":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class _LineReader:
    """Reads the server's reply lines in a thread, so waiting for one can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, args=(stream,), name="hyperpower-measure-replies", daemon=True)
        self._thread.start()

    def _run(self, stream: IO[str]) -> None:
        for line in stream:
            self._lines.put(line)
        self._lines.put(None)

    def message(self, timeout_s: float) -> dict[str, Any] | None:
        """The next JSON message, or None on timeout or end of stream (stray prints skipped)."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._lines.get(timeout=max(deadline - time.monotonic(), 0.0))
            except queue.Empty:
                return None
            if line is None:
                self._lines.put(None)
                return None
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue


# -- server side -----------------------------------------------------------------------------------
def _child(request: dict[str, Any]) -> int:
    """In the fork: send output to the log, measure, write the result file."""
    from hyperpower.hardware.subprocess_measure import main as measure_main

    descriptor = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    argv = ["--network", request["network"], "--metrics", ",".join(request["metrics"]), "--result", request["result"],
            "--repetitions", str(request["repetitions"])]
    argv += ["--device", request["device"]] if request.get("device") else []
    argv += ["--min-window-s", str(request["min_window_s"])] if request.get("min_window_s") is not None else []
    argv += ["--seed", str(request["seed"])] if request.get("seed") is not None else []
    return measure_main(argv)


def serve(requests: IO[str], replies: IO[str]) -> None:
    import keras  # noqa: F401 - the point of the server: import once, before forking

    _send(replies, {"ready": True})
    for line in requests:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            finally:
                os._exit(code)
        _send(replies, {"pid": pid})
        _, status = os.waitpid(pid, 0)
        _send(replies, {"exit": os.waitstatus_to_exitcode(status)})


def _send(replies: IO[str], message: dict[str, Any]) -> None:
    replies.write(json.dumps(message) + "\n")
    replies.flush()


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    serve(sys.stdin, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
