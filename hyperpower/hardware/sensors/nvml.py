"""The NVML sensor: power, energy and per-process memory of one NVIDIA GPU (nvidia-ml-py).

Energy comes from the device's total-energy counter (``nvmlDeviceGetTotalEnergyConsumption``,
millijoules since the driver loaded, Volta and newer) read when a window opens and closes: the
difference is exact however the board averages its power readings. Only where that counter is
not supported is ``nvmlDeviceGetPowerUsage`` (milliwatts) polled in a background thread during
the window. On A100/H100 a power reading averages only 25 ms of every 100 ms, which is why
``default_min_window_s`` is 5 s and windows are separated by random gaps (``measure_inference``).

Memory is this process's device memory (``nvmlDeviceGetComputeRunningProcesses`` entry whose pid
is ours; it includes the CUDA context). Inside a container the pid NVML reports may be the
host's, so when no entry matches the sensor falls back to the device's used memory minus what
was used when the sensor was created (create it before building the model). TensorFlow grabs
all device memory unless told otherwise: measure with ``TF_FORCE_GPU_ALLOW_GROWTH=true``
(``subprocess_measure`` sets it).

The NVML module is injectable (``nvml_module=``) so tests run against a fake.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from hyperpower.hardware.sensors.base import Sensor, SensorInfo, SensorUnavailable, Window

_BYTES_PER_MB = 1e6


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class NvmlSensor(Sensor):
    """Power (W), energy per image (mJ) and process memory (MB) of GPU ``index``."""

    name = "nvml"
    default_min_window_s = 5.0
    max_gap_s = 0.25

    def __init__(self, index: int = 0, nvml_module: Any = None, poll_interval_s: float = 0.02) -> None:
        self.index = index
        self.metrics = ()
        self.device_name = ""
        self.driver_version = ""
        self.energy_method = ""
        self._poll_interval_s = poll_interval_s
        self._reason = ""
        self._initialized = False
        self._handle = None
        self._poller: _PowerPoller | None = None
        try:
            self._nvml = nvml_module if nvml_module is not None else _import_pynvml()
            self._open()
        except SensorUnavailable as exc:
            self._reason = str(exc)

    # -- set-up --------------------------------------------------------------------------------
    def _call(self, function_name: str, *args: Any) -> Any:
        """Call an NVML function; any NVML error becomes SensorUnavailable with its text."""
        try:
            return getattr(self._nvml, function_name)(*args)
        except self._nvml.NVMLError as exc:
            raise SensorUnavailable(f"NVML {function_name}: {exc}") from None

    def _open(self) -> None:
        try:
            self._nvml.nvmlInit()
        except self._nvml.NVMLError as exc:
            raise SensorUnavailable(_init_reason(self._nvml, exc)) from None
        self._initialized = True
        count = self._call("nvmlDeviceGetCount")
        if count == 0:
            raise SensorUnavailable("no NVIDIA GPU (NVML found no device)")
        if not 0 <= self.index < count:
            raise SensorUnavailable(f"--device gpu:{self.index} asked for, but NVML sees {count} GPU(s): gpu:0..gpu:{count - 1}")
        self._handle = self._call("nvmlDeviceGetHandleByIndex", self.index)
        self.device_name = _text(self._call("nvmlDeviceGetName", self._handle))
        self.driver_version = _text(self._call("nvmlSystemGetDriverVersion"))
        self.energy_method = self._probe_energy_method()
        self.metrics = ("power", "energy", "memory") if self.energy_method else ("memory",)
        self._baseline_used_bytes = self._device_used_bytes()

    def _probe_energy_method(self) -> str:
        """'counter' (Volta+), 'polled' (older boards), or '' when neither call is supported."""
        for method, function_name in (("counter", "nvmlDeviceGetTotalEnergyConsumption"),
                                      ("polled", "nvmlDeviceGetPowerUsage")):
            try:
                getattr(self._nvml, function_name)(self._handle)
                return method
            except self._nvml.NVMLError:
                continue
        return ""

    def describe(self) -> SensorInfo:
        if self._handle is None:
            return SensorInfo(self.name, ("power", "energy", "memory"), False, self._reason)
        energy = {"counter": "total-energy counter", "polled": "polled power readings (no energy counter)",
                  "": "power not supported by this board"}[self.energy_method]
        return SensorInfo(self.name, self.metrics, True,
                          f"gpu:{self.index} {self.device_name}, driver {self.driver_version}, {energy}")

    # -- readings ------------------------------------------------------------------------------
    def _device_used_bytes(self) -> int:
        return int(self._call("nvmlDeviceGetMemoryInfo", self._handle).used)

    def process_memory_bytes(self) -> int:
        """This process's device memory, or the device's growth since the sensor was created."""
        try:
            processes = self._nvml.nvmlDeviceGetComputeRunningProcesses(self._handle)
        except self._nvml.NVMLError:
            processes = []
        for process in processes:
            used = getattr(process, "usedGpuMemory", None)
            if process.pid == os.getpid() and used is not None:
                return int(used)
        return max(self._device_used_bytes() - self._baseline_used_bytes, 0)

    def start_window(self) -> None:
        self._start_memory = self.process_memory_bytes()
        if self.energy_method == "counter":
            self._start_energy_mj = int(self._call("nvmlDeviceGetTotalEnergyConsumption", self._handle))
        elif self.energy_method == "polled":
            self._poller = _PowerPoller(lambda: self._call("nvmlDeviceGetPowerUsage", self._handle),
                                        self._poll_interval_s)
            self._poller.start()

    def stop_window(self, window: Window) -> dict[str, float]:
        values: dict[str, float] = {}
        if self.energy_method == "counter":
            end_energy_mj = int(self._call("nvmlDeviceGetTotalEnergyConsumption", self._handle))
            energy_mj = float(end_energy_mj - self._start_energy_mj)
            values["power"] = energy_mj * 1e-3 / window.duration_s
            values["energy"] = energy_mj / window.images
        elif self.energy_method == "polled" and self._poller is not None:
            power_w = self._poller.stop() * 1e-3
            self._poller = None
            values["power"] = power_w
            values["energy"] = power_w * window.duration_s * 1e3 / window.images
        values["memory"] = max(self._start_memory, self.process_memory_bytes()) / _BYTES_PER_MB
        return values

    def close(self) -> None:
        if self._poller is not None:
            self._poller.stop()
            self._poller = None
        if self._initialized:
            try:
                self._nvml.nvmlShutdown()
            except self._nvml.NVMLError:
                pass
            self._initialized = False


class _PowerPoller:
    """Reads power (mW) every ``interval_s`` in a daemon thread; ``stop`` returns the mean."""

    def __init__(self, read_mw, interval_s: float) -> None:
        self._read_mw = read_mw
        self._interval_s = interval_s
        self._samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hyperpower-nvml-poller", daemon=True)

    def start(self) -> None:
        self._samples.append(float(self._read_mw()))
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self._samples.append(float(self._read_mw()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self._samples.append(float(self._read_mw()))
        return sum(self._samples) / len(self._samples)


def _import_pynvml() -> Any:
    try:
        import pynvml
    except ImportError:
        raise SensorUnavailable("NVML: the nvidia-ml-py package is not installed") from None
    return pynvml


def _init_reason(nvml: Any, exc: Exception) -> str:
    """Why nvmlInit failed, in the words ``hyperpower devices`` prints."""
    library_missing = getattr(nvml, "NVMLError_LibraryNotFound", None)
    driver_missing = getattr(nvml, "NVMLError_DriverNotLoaded", None)
    if library_missing is not None and isinstance(exc, library_missing):
        return "no NVIDIA GPU (NVML: libnvidia-ml.so not found)"
    if driver_missing is not None and isinstance(exc, driver_missing):
        return "no NVIDIA GPU (NVML: the NVIDIA driver is not loaded)"
    return f"NVML could not start: {exc}"

