"""Measure one rendered network file in a fresh process: ``python -m hyperpower.hardware.subprocess_measure``.

Why a fresh process per configuration:

* memory: a process's resident set (and TensorFlow's device allocator) keeps memory freed by
  earlier models, so readings taken in a long-lived process drift with the order of the
  configurations; a fresh process measures each network from the same starting point;
* device placement: the device is fixed by environment variables that TensorFlow reads once, at
  import (``CUDA_VISIBLE_DEVICES``; ``TF_FORCE_GPU_ALLOW_GROWTH`` so TensorFlow does not reserve
  the whole GPU, which would make every network "use" all of its memory).

The child creates its sensors first (NVML's memory baseline), then loads the network file (data
and model, no training), computes its network features, runs ``measure_inference`` on
``x_test`` with the file's ``batch_size``, and writes a JSON result. The objective can use the
same function after training so that profiles and runs measure alike.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any, Sequence

from hyperpower.errors import HyperPowerError
from hyperpower.forkserver import shielded_child_options


class MeasurementFailed(HyperPowerError):
    """The network file could not be loaded or measured; the message holds the child's error."""


def device_environment(device: str | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a child measuring on ``device`` (``cpu``, ``gpu:N`` or None: automatic)."""
    from hyperpower.device_names import parse_device

    env = dict(os.environ if base is None else base)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env["TF_FORCE_GPU_ALLOW_GROWTH"] = "true"
    spec = parse_device(device)
    if spec is not None and spec.kind == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
    elif spec is not None:
        env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID"  # CUDA numbers GPUs as NVML does
        env["CUDA_VISIBLE_DEVICES"] = str(spec.index)
    return env


def measure_network_file(network_path: str | Path, metrics: Sequence[str], device: str | None = None, *,
                         min_window_s: float | None = None, repetitions: int | None = None, seed: int | None = None,
                         log_path: str | Path | None = None, timeout_s: float = 600.0) -> dict[str, Any]:
    """Measure a rendered network file in a fresh process; returns the child's JSON result.

    Result keys: values, spread, sensors, device, device_name, features (network_features),
    batch_size, measured_s, setup_s (import + load + build time). Raises MeasurementFailed
    with the end of the child's log when the file fails to load or measure.
    """
    network_path = Path(network_path)
    result_path = network_path.with_suffix(".measure.json")
    log_path = Path(log_path) if log_path is not None else network_path.with_suffix(".measure.log")
    command = [sys.executable, "-m", "hyperpower.hardware.subprocess_measure",
               *measure_arguments(network_path, metrics, result_path, device, min_window_s, repetitions, seed)]
    result_path.unlink(missing_ok=True)
    with open(log_path, "w") as log:
        try:
            subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=device_environment(device),
                           timeout=timeout_s, check=False, **shielded_child_options())
        except subprocess.TimeoutExpired:
            raise MeasurementFailed(f"measuring {network_path} took longer than {timeout_s:g} s (log: {log_path})") from None
    return read_result(network_path, result_path, log_path)


def measure_arguments(network_path: Path, metrics: Sequence[str], result_path: Path, device: str | None,
                      min_window_s: float | None, repetitions: int | None, seed: int | None) -> list[str]:
    """Command-line arguments of this module's ``main`` for one measurement (``None``: the
    sensors' default)."""
    argv = ["--network", str(network_path), "--metrics", ",".join(metrics), "--result", str(result_path)]
    argv += ["--repetitions", str(repetitions)] if repetitions is not None else []
    argv += ["--device", device] if device else []
    argv += ["--min-window-s", str(min_window_s)] if min_window_s is not None else []
    argv += ["--seed", str(seed)] if seed is not None else []
    return argv


def read_result(network_path: Path, result_path: Path, log_path: Path) -> dict[str, Any]:
    """The child's JSON result; MeasurementFailed with its last error line when it failed."""
    try:
        result = json.loads(result_path.read_text())
    except (OSError, json.JSONDecodeError):
        result = {"ok": False, "error": _tail(log_path)}
    if not result.get("ok"):
        raise MeasurementFailed(f"measuring {network_path} failed (log: {log_path}): {_last_line(result.get('error', ''))}")
    return result


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text().splitlines()[-lines:])
    except OSError:
        return ""


def _last_line(text: str) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no result written (the process died: out of memory or killed?)"


def device_name(sensor_set: Any) -> str:
    """The measured device in words: the GPU's NVML name, or the CPU model."""
    for sensor in sensor_set.sensors:
        if getattr(sensor, "device_name", ""):
            return sensor.device_name
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()} ({os.cpu_count()} CPUs)"
    except OSError:
        pass
    import platform

    return f"{platform.processor() or platform.machine()} ({os.cpu_count()} CPUs)"


def _measure(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from hyperpower.hardware import detect_sensors, measure_inference
    from hyperpower.hardware.features import network_features

    started = time.perf_counter()
    with detect_sensors(args.device) as sensors:  # before the model exists: NVML memory baseline
        from hyperpower.network import load_network

        definition = load_network(args.network)
        features = network_features(definition.model)
        setup_s = time.perf_counter() - started
        rng = np.random.default_rng(args.seed)
        measurement = measure_inference(definition.model, np.asarray(definition.x_test), definition.batch_size,
                                        args.metrics.split(","), sensors, min_window_s=args.min_window_s,
                                        repetitions=args.repetitions, rng=rng)
        name = device_name(sensors)
    return {"ok": True, **measurement.to_dict(), "device_name": name, "features": features, "setup_s": setup_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", required=True, help="rendered network file")
    parser.add_argument("--metrics", required=True, help="comma-separated hardware metrics")
    parser.add_argument("--result", required=True, help="where to write the JSON result")
    parser.add_argument("--device", default=None)
    parser.add_argument("--min-window-s", type=float, default=None)
    parser.add_argument("--repetitions", type=int, default=None)
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    try:
        result = _measure(args)
        code = 0
    except BaseException:  # noqa: BLE001 - any failure goes back to the parent as text
        result = {"ok": False, "error": traceback.format_exc()}
        print(result["error"], file=sys.stderr, flush=True)
        code = 1
    Path(args.result).write_text(json.dumps(result))
    return code


if __name__ == "__main__":
    sys.exit(main())
