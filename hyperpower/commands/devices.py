"""``hyperpower devices``: the sensors here, the metrics each measures, and why others are missing.

For example, on a CPU-only machine::

    device: cpu - AMD EPYC (2 CPUs); host: Linux 6.1, Python 3.11
    sensor   status       metrics                 details
    nvml     unavailable  power, energy, memory   no NVIDIA GPU (NVML: libnvidia-ml.so not found)
    rapl     unavailable  power, energy           RAPL: /sys/class/powercap does not exist (...)
    process  in use       latency, memory         this process (pid 123), ...
    measurable here: latency, memory
      power: not measurable: power needs an NVIDIA GPU (NVML) or readable RAPL counters; here: ...
"""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("devices", help="list the sensors and metrics available here, and why others are not")
    parser.add_argument("--device", metavar="DEV", help="the device to describe: cpu, gpu:N or auto (default: auto)")
    return parser


def run(args: argparse.Namespace) -> int:
    from hyperpower.hardware import detect_sensors
    from hyperpower.metrics import HARDWARE_METRICS
    from hyperpower.hardware.subprocess_measure import device_name

    with detect_sensors(args.device) as sensors:
        print(describe_sensors(sensors, device_name(sensors), HARDWARE_METRICS))
    return 0


def describe_sensors(sensors, name: str, metrics) -> str:
    """The table ``hyperpower devices`` prints (a function so tests can check it directly)."""
    import platform

    active = {sensor.name for sensor in sensors.sensors}
    lines = [f"device: {sensors.device} - {name}; host: {platform.system()} {platform.release()}, "
             f"Python {platform.python_version()}",
             f"{'sensor':<9}{'status':<13}{'metrics':<24}details"]
    for info in sensors.probed:
        status = "in use" if info.name in active else ("available" if info.available else "unavailable")
        lines.append(f"{info.name:<9}{status:<13}{', '.join(info.metrics):<24}{info.detail}")
    measurable = [m for m in metrics if m in sensors.measurable()]
    lines.append("measurable here: " + (", ".join(measurable) or "nothing"))
    for metric in metrics:
        if metric in measurable:
            lines.append(f"  {metric}: {sensors.sensor_for(metric).name}")
        else:
            lines.append(f"  {metric}: not measurable: {sensors.missing_reason(metric)}")
    return "\n".join(lines)
