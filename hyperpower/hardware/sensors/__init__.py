"""Sensors of power, energy, memory and latency, and the automatic choice among them."""

from __future__ import annotations

from hyperpower.device_names import DeviceSpec, parse_device
from hyperpower.hardware.sensors.base import Sensor, SensorInfo, SensorUnavailable, Window
from hyperpower.hardware.sensors.nvml import NvmlSensor
from hyperpower.hardware.sensors.process import ProcessSensor
from hyperpower.hardware.sensors.rapl import RaplSensor
from hyperpower.hardware.sensors.sensor_set import (
    SensorSet,
    check_measurable,
    detect_sensors,
)

__all__ = [
    "Sensor", "SensorInfo", "SensorUnavailable", "Window", "NvmlSensor",
    "ProcessSensor", "RaplSensor", "DeviceSpec", "SensorSet", "check_measurable", "detect_sensors",
    "parse_device",
]
