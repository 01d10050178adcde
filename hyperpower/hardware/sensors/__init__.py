"""Sensors of power, energy, memory and latency, and the automatic choice among them."""

from __future__ import annotations

from hyperpower.hardware.sensors.base import HARDWARE_METRICS, Sensor, SensorInfo, SensorUnavailable, Window
from hyperpower.hardware.sensors.nvml import NvmlSensor
from hyperpower.hardware.sensors.process import ProcessSensor
from hyperpower.hardware.sensors.rapl import RaplSensor
from hyperpower.hardware.sensors.sensor_set import (
    DeviceSpec,
    SensorSet,
    check_measurable,
    detect_sensors,
    parse_device,
)

__all__ = [
    "HARDWARE_METRICS", "Sensor", "SensorInfo", "SensorUnavailable", "Window", "NvmlSensor",
    "ProcessSensor", "RaplSensor", "DeviceSpec", "SensorSet", "check_measurable", "detect_sensors",
    "parse_device",
]
