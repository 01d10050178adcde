"""Hardware: sensors, inference measurement, profiling, and power/memory/latency models.

Importing this package is cheap (numpy only); Keras, TensorFlow and pynvml are imported by the
functions that need them.
"""

from __future__ import annotations

from hyperpower.hardware.measure import Measurement, measure_inference
from hyperpower.hardware.sensors import (
    DeviceSpec,
    SensorSet,
    check_measurable,
    detect_sensors,
    parse_device,
)

__all__ = [
    "DeviceSpec", "Measurement", "SensorSet", "check_measurable",
    "detect_sensors", "measure_inference", "parse_device",
]
