"""The RAPL sensor: CPU package energy from the Linux powercap interface.

Each CPU package exposes a cumulative energy counter ``/sys/class/powercap/intel-rapl:N/energy_uj``
(microjoules; AMD processors use the same ``intel-rapl`` control type). Reading it around a window
gives the package energy of the window; power is that energy over the window's duration.
Subdomains (``intel-rapl:N:M``: cores, uncore, DRAM) are parts of a package and are not added.

The counter wraps at ``max_energy_range_uj``; one wrap per window is corrected (a window would
have to last tens of minutes to wrap twice). Since Linux 5.10 ``energy_uj`` is readable by root
only (a side-channel fix), so on most machines this sensor is unavailable unless an
administrator opened the files; the reason says so. RAPL measures the whole package, so other
processes' work is included: measure on an otherwise idle machine.
"""

from __future__ import annotations

import re
from pathlib import Path

from hyperpower.hardware.sensors.base import Sensor, SensorInfo, SensorUnavailable, Window

DEFAULT_POWERCAP_ROOT = Path("/sys/class/powercap")
_PACKAGE_DOMAIN = re.compile(r"^intel-rapl:\d+$")


class _PackageDomain:
    """One package's energy counter."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.label = _read_text(folder / "name", default=folder.name)
        self.max_range_uj = _read_int(folder / "max_energy_range_uj")
        self.read_uj()  # fail now, at detection, if the counter cannot be read

    def read_uj(self) -> int:
        return _read_int(self.folder / "energy_uj")


def _read_text(path: Path, default: str) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return default


def _read_int(path: Path) -> int:
    try:
        return int(path.read_text().strip())
    except PermissionError:
        raise SensorUnavailable(
            f"{path} not readable (permission denied; since Linux 5.10 only root can read RAPL "
            f"counters: an administrator can run 'chmod a+r {path}')"
        ) from None
    except OSError as exc:
        raise SensorUnavailable(f"{path} not readable ({exc.strerror or exc})") from None
    except ValueError:
        raise SensorUnavailable(f"{path} does not hold an integer") from None


def energy_delta_uj(start_uj: int, end_uj: int, max_range_uj: int) -> int:
    """Counter difference, corrected for one wrap-around at ``max_range_uj``."""
    if end_uj >= start_uj:
        return end_uj - start_uj
    return end_uj + max_range_uj - start_uj


class RaplSensor(Sensor):
    """Package power (W) and energy per image (mJ) summed over all CPU packages."""

    name = "rapl"
    metrics = ("power", "energy")
    default_min_window_s = 1.0
    max_gap_s = 0.05

    def __init__(self, root: str | Path = DEFAULT_POWERCAP_ROOT) -> None:
        self.root = Path(root)
        self._domains: list[_PackageDomain] = []
        self._reason = ""
        self._start: list[int] = []
        try:
            self._domains = self._find_domains()
        except SensorUnavailable as exc:
            self._reason = str(exc)

    def _find_domains(self) -> list[_PackageDomain]:
        if not self.root.is_dir():
            raise SensorUnavailable(f"{self.root} does not exist (no powercap/RAPL support in this kernel or container)")
        try:
            folders = sorted(p for p in self.root.iterdir() if _PACKAGE_DOMAIN.match(p.name))
        except OSError as exc:
            raise SensorUnavailable(f"{self.root} not readable ({exc.strerror or exc})") from None
        if not folders:
            raise SensorUnavailable(f"{self.root} has no intel-rapl:N package domains")
        return [_PackageDomain(folder) for folder in folders]

    def describe(self) -> SensorInfo:
        if not self._domains:
            return SensorInfo(self.name, self.metrics, False, f"RAPL: {self._reason}")
        labels = ", ".join(f"{d.folder.name} ({d.label})" for d in self._domains)
        return SensorInfo(self.name, self.metrics, True, f"RAPL package energy: {labels}")

    def start_window(self) -> None:
        self._start = [domain.read_uj() for domain in self._domains]

    def stop_window(self, window: Window) -> dict[str, float]:
        ends = [domain.read_uj() for domain in self._domains]
        total_uj = sum(
            energy_delta_uj(start, end, domain.max_range_uj)
            for start, end, domain in zip(self._start, ends, self._domains)
        )
        power_w = total_uj * 1e-6 / window.duration_s if window.duration_s > 0 else float("nan")
        energy_mj = total_uj * 1e-3 / window.images if window.images else float("nan")
        return {"power": power_w, "energy": energy_mj}
