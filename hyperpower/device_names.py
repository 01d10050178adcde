"""A device's name, as ``--device``, ``--devices`` and workers spell it: ``cpu``, ``gpu`` or ``gpu:N``.

Kept at the bottom of the package: the fork server, the sensors and the device variable all parse
the same names, and none of them should import another for it.
"""

from __future__ import annotations

import dataclasses
import re

from hyperpower.errors import HyperPowerError

_DEVICE = re.compile(r"^(cpu|gpu)(?::(\d+))?$")


@dataclasses.dataclass(frozen=True)
class DeviceSpec:
    """A parsed ``--device`` value: kind ``cpu`` or ``gpu`` and, for a GPU, its NVML index."""

    kind: str
    index: int = 0

    def __str__(self) -> str:
        return f"gpu:{self.index}" if self.kind == "gpu" else "cpu"


def parse_device(text: str | None) -> DeviceSpec | None:
    """``"gpu:1"`` -> DeviceSpec("gpu", 1); ``None``/``"auto"`` -> None (pick automatically)."""
    if text is None or text.strip().lower() in ("", "auto"):
        return None
    match = _DEVICE.match(text.strip().lower())
    if not match or (match.group(1) == "cpu" and match.group(2) is not None):
        raise HyperPowerError(f"--device {text!r} is not a device: use cpu, gpu, gpu:N (NVML index) or auto")
    return DeviceSpec(match.group(1), int(match.group(2) or 0))
