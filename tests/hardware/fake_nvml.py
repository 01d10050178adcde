"""FakeNVML: a test double of the ``pynvml`` module, injected into NvmlSensor(nvml_module=...).

It models what the sensor relies on: a total-energy counter that grows at a configurable power
(``power_w``, on the real clock so windows measure real elapsed time), polled power, device
memory, the compute-process list, device names and the driver version. Devices can lack the
energy counter (pre-Volta) or any power reading, and the library can be missing altogether;
unsupported calls raise ``NVMLError_NotSupported`` like pynvml does.
"""

from __future__ import annotations

import dataclasses
import os
import time

NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_LIBRARY_NOT_FOUND = 12


class NVMLError(Exception):
    def __init__(self, value: int, text: str) -> None:
        super().__init__(text)
        self.value = value


class NVMLError_NotSupported(NVMLError):  # noqa: N801 - pynvml's name
    def __init__(self) -> None:
        super().__init__(NVML_ERROR_NOT_SUPPORTED, "Not Supported")


class NVMLError_LibraryNotFound(NVMLError):  # noqa: N801 - pynvml's name
    def __init__(self) -> None:
        super().__init__(NVML_ERROR_LIBRARY_NOT_FOUND, "NVML Shared Library Not Found")


class NVMLError_DriverNotLoaded(NVMLError):  # noqa: N801 - pynvml's name
    def __init__(self) -> None:
        super().__init__(9, "Driver Not Loaded")


@dataclasses.dataclass
class FakeDevice:
    """One fake GPU. ``process_memory_bytes`` None: our pid is not in the process list."""

    name: str = "NVIDIA Fake H100"
    power_w: float = 250.0
    has_energy_counter: bool = True
    has_power_reading: bool = True
    used_bytes: int = 2_000_000_000
    total_bytes: int = 80_000_000_000
    process_memory_bytes: int | None = 1_500_000_000
    process_list_supported: bool = True


@dataclasses.dataclass
class _MemoryInfo:
    total: int
    used: int
    free: int


@dataclasses.dataclass
class _Process:
    pid: int
    usedGpuMemory: int | None  # noqa: N815 - pynvml's field name


class FakeNVML:
    """Drop-in for the functions of ``pynvml`` that NvmlSensor calls."""

    NVMLError = NVMLError
    NVMLError_NotSupported = NVMLError_NotSupported
    NVMLError_LibraryNotFound = NVMLError_LibraryNotFound
    NVMLError_DriverNotLoaded = NVMLError_DriverNotLoaded

    def __init__(self, devices: list[FakeDevice] | None = None, library_found: bool = True,
                 driver_version: str = "550.54.15") -> None:
        self.devices = devices if devices is not None else [FakeDevice()]
        self.library_found = library_found
        self.driver_version = driver_version
        self.initialized = 0
        self.energy_calls = 0
        self.power_calls = 0
        self._start = time.perf_counter()

    # -- library life cycle ---------------------------------------------------------------------
    def nvmlInit(self) -> None:  # noqa: N802 - pynvml's names below
        if not self.library_found:
            raise NVMLError_LibraryNotFound()
        self.initialized += 1

    def nvmlShutdown(self) -> None:
        self.initialized -= 1

    def nvmlSystemGetDriverVersion(self) -> str:
        return self.driver_version

    def nvmlDeviceGetCount(self) -> int:
        return len(self.devices)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> FakeDevice:
        return self.devices[index]

    def nvmlDeviceGetName(self, handle: FakeDevice) -> bytes:
        return handle.name.encode()  # older pynvml returns bytes; the sensor must decode

    # -- power ----------------------------------------------------------------------------------
    def nvmlDeviceGetTotalEnergyConsumption(self, handle: FakeDevice) -> int:
        """mJ since 'driver load': power_w (W = J/s) times elapsed seconds, times 1000."""
        if not handle.has_energy_counter:
            raise NVMLError_NotSupported()
        self.energy_calls += 1
        return int(handle.power_w * (time.perf_counter() - self._start) * 1000.0)

    def nvmlDeviceGetPowerUsage(self, handle: FakeDevice) -> int:
        if not handle.has_power_reading:
            raise NVMLError_NotSupported()
        self.power_calls += 1
        return int(handle.power_w * 1000.0)

    # -- memory ---------------------------------------------------------------------------------
    def nvmlDeviceGetMemoryInfo(self, handle: FakeDevice) -> _MemoryInfo:
        return _MemoryInfo(handle.total_bytes, handle.used_bytes, handle.total_bytes - handle.used_bytes)

    def nvmlDeviceGetComputeRunningProcesses(self, handle: FakeDevice) -> list[_Process]:
        if not handle.process_list_supported:
            raise NVMLError_NotSupported()
        others = [_Process(pid=1, usedGpuMemory=300_000_000)]
        if handle.process_memory_bytes is None:
            return others
        return others + [_Process(pid=os.getpid(), usedGpuMemory=handle.process_memory_bytes)]
