"""Choosing sensors: which instrument measures which metric on the device being measured.

``detect_sensors(device)`` probes NVML, RAPL and the process sensor, then picks, per metric, the
first available sensor that belongs to the device:

* ``gpu:N``: NVML (power, energy, device memory), then the process sensor (latency);
* ``cpu``: RAPL (package power, energy), then the process sensor (latency, resident memory);
* ``None``/``auto``: ``gpu:0`` when NVML sees a GPU, else ``cpu``.

Sensors of the other device are still probed so ``hyperpower devices`` can list them and say why
a metric is missing.

``HYPERPOWER_QUICK_MEASURE=1`` in the environment shrinks every measurement to 3 windows over
0.2 s with 10 ms gaps: a smoke-test setting (the test suite sets it, so CI measures real
inference without paying the 12-window protocol each of its jobs), never one for a real run,
since the values it gives are as noisy as the protocol exists to avoid.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from hyperpower.device_names import DeviceSpec, parse_device
from hyperpower.errors import HyperPowerError
from hyperpower.hardware.sensors.base import Sensor, SensorInfo
from hyperpower.metrics import HARDWARE_METRICS, metric as registered_metric
from hyperpower.hardware.sensors.nvml import NvmlSensor
from hyperpower.hardware.sensors.process import ProcessSensor
from hyperpower.hardware.sensors.rapl import DEFAULT_POWERCAP_ROOT, RaplSensor

QUICK_MEASURE_ENV = "HYPERPOWER_QUICK_MEASURE"
#: (total window s, windows, largest gap s) of a quick measurement
QUICK_MEASURE = (0.2, 3, 0.01)


def quick_measure() -> bool:
    """Whether the environment asks for quick, noisy measurements (module docstring)."""
    return os.environ.get(QUICK_MEASURE_ENV, "").strip() not in ("", "0")



def _one_of(options: Sequence[str]) -> str:
    """("a", "b", "c") -> "a, b, or c"; ("a", "b") -> "a or b"."""
    if len(options) <= 2:
        return " or ".join(options)
    return ", ".join(options[:-1]) + ", or " + options[-1]


class SensorSet:
    """The sensors measuring one device, and which of them measures each metric."""

    def __init__(self, device: DeviceSpec, active: Sequence[Sensor], probed: Sequence[SensorInfo]) -> None:
        self.device = device
        self.sensors = list(active)
        self.probed = list(probed)
        self._by_metric: dict[str, Sensor] = {}
        for sensor in self.sensors:
            for metric in sensor.metrics:
                self._by_metric.setdefault(metric, sensor)

    def measurable(self) -> set[str]:
        """Metric names some active sensor measures here."""
        return set(self._by_metric)

    def sensor_for(self, metric: str) -> Sensor:
        """The sensor that measures ``metric``; HyperPowerError saying why when none does."""
        if metric not in self._by_metric:
            raise HyperPowerError(f"cannot measure {metric} on {self.device}: {self.missing_reason(metric)}")
        return self._by_metric[metric]

    def sensors_for(self, metrics: Iterable[str]) -> list[Sensor]:
        """The distinct sensors needed for ``metrics``, in priority order."""
        needed = {id(self.sensor_for(metric)) for metric in metrics}
        return [sensor for sensor in self.sensors if id(sensor) in needed]

    def missing_reason(self, metric: str, alternative: str = "") -> str:
        """Why no sensor here measures ``metric``: what it needs, then each probed sensor's reason.

        alternative: another way out to name, e.g. "a model file (--model power=FILE)".
        """
        active_names = {sensor.name for sensor in self.sensors}
        reasons = [info.detail for info in self.probed if metric in info.metrics and not info.available]
        reasons += [f"{info.name} is not used for --device {self.device}" for info in self.probed
                    if metric in info.metrics and info.available and info.name not in active_names]
        needs = _one_of((registered_metric(metric).sensors or ("a sensor",)) + ((alternative,) if alternative else ()))
        return f"{metric} needs {needs}; here: " + ("; ".join(reasons) or "no sensor measures it")

    def default_min_window_s(self, metrics: Iterable[str]) -> float:
        """Total steady-state inference per configuration the slowest needed sensor asks for."""
        if quick_measure():
            return QUICK_MEASURE[0]
        return max((s.default_min_window_s for s in self.sensors_for(metrics)), default=0.5)

    def default_repetitions(self, metrics: Iterable[str]) -> int:
        """Windows per configuration: as many as the most demanding needed sensor asks for."""
        if quick_measure():
            return QUICK_MEASURE[1]
        return max((s.default_repetitions for s in self.sensors_for(metrics)), default=4)

    def max_gap_s(self, metrics: Iterable[str]) -> float:
        if quick_measure():
            return QUICK_MEASURE[2]
        return max((s.max_gap_s for s in self.sensors_for(metrics)), default=0.02)

    def close(self) -> None:
        for sensor in self.sensors:
            sensor.close()

    def __enter__(self) -> "SensorSet":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def detect_sensors(
    device: str | DeviceSpec | None = None,
    *,
    nvml_module: Any = None,
    powercap_root: str | Path = DEFAULT_POWERCAP_ROOT,
    proc_root: str | Path = "/proc/self",
) -> SensorSet:
    """Probe every sensor and return those measuring ``device`` (see the module docstring).

    Raises HyperPowerError when a GPU is asked for (``gpu:N``) and NVML cannot measure it.
    """
    spec = device if isinstance(device, DeviceSpec) else parse_device(device)
    nvml = NvmlSensor(spec.index if spec is not None and spec.kind == "gpu" else 0, nvml_module=nvml_module)
    rapl = RaplSensor(powercap_root)
    process = ProcessSensor(proc_root)
    probed = [nvml.describe(), rapl.describe(), process.describe()]
    if spec is None:
        spec = DeviceSpec("gpu", 0) if probed[0].available else DeviceSpec("cpu")
    if spec.kind == "gpu":
        if not probed[0].available:
            raise HyperPowerError(f"--device {spec}: {probed[0].detail}")
        rapl.close()
        return SensorSet(spec, [nvml, process], probed)
    nvml.close()
    active = [sensor for sensor in (rapl, process) if sensor.describe().available]
    return SensorSet(spec, active, probed)


def check_measurable(metrics: Iterable[str], models: Mapping[str, Any] | None,
                     sensor_set: SensorSet | None = None, *, device: str | None = None) -> None:
    """Refuse, before anything runs, a budget metric that nothing here measures and no model covers.

    metrics: budget metric names; names that are not hardware metrics (``error``, a Spearmint
    constraint task) are the objective's business and pass. models: metric -> model file or
    inline model (``--model METRIC=FILE``). Without ``sensor_set``, the sensors of ``device``
    (``--device``; None: automatic) are detected for the check and closed after it.
    """
    models = models or {}
    wanted = [m for m in metrics if m in HARDWARE_METRICS and m not in models]
    if not wanted:
        return
    owned = sensor_set is None
    sensor_set = sensor_set if sensor_set is not None else detect_sensors(device)
    try:
        missing = [m for m in wanted if m not in sensor_set.measurable()]
        if missing:
            problems = [sensor_set.missing_reason(m, f"a model file (--model {m}=FILE)") for m in missing]
            raise HyperPowerError(f"cannot enforce the {', '.join(missing)} budget: " + " | ".join(problems))
    finally:
        if owned:
            sensor_set.close()
