"""The sensor interface: what one measuring instrument (NVML, RAPL, the process itself) offers.

A measurement (``hyperpower.hardware.measure``) runs inference in *windows*: back-to-back batches
with nothing else in between. Each sensor is told when a window opens (``start_window``) and,
when it closes, gets the window's timing (``stop_window``) and returns the metrics it measured
over that window, in the units of design §5 (W, MB, ms, mJ per image).

Sensors never raise for being absent: ``describe()`` says whether the sensor works here and, when
it does not, why (the reason ``hyperpower devices`` and budget checks print).
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Sequence



@dataclasses.dataclass(frozen=True)
class SensorInfo:
    """What ``hyperpower devices`` shows for one sensor.

    metrics: what it measures when available (also listed when unavailable, to say what is lost).
    detail: device name and driver/version when available; the reason it is not, otherwise.
    """

    name: str
    metrics: tuple[str, ...]
    available: bool
    detail: str


@dataclasses.dataclass(frozen=True)
class Window:
    """Timing of one measurement window, handed to each sensor when the window closes.

    batch_times_s: (batches,) wall time of each synchronized inference call, in seconds.
    """

    duration_s: float
    images: int
    batch_times_s: tuple[float, ...]

    @property
    def batches(self) -> int:
        return len(self.batch_times_s)


class Sensor(abc.ABC):
    """One measuring instrument.

    Subclasses set ``name`` and ``metrics``; ``default_min_window_s`` is how much steady-state
    inference the sensor needs per configuration for a trustworthy mean, ``default_repetitions``
    in how many windows, and ``max_gap_s`` the longest random pause worth inserting between
    windows (see ``measure_inference``).
    """

    name: str = "sensor"
    metrics: tuple[str, ...] = ()
    default_min_window_s: float = 0.5
    default_repetitions: int = 4
    max_gap_s: float = 0.02

    @abc.abstractmethod
    def describe(self) -> SensorInfo:
        """Availability and details, without raising."""

    @property
    def available(self) -> bool:
        return self.describe().available

    @abc.abstractmethod
    def start_window(self) -> None:
        """Called right before the first batch of a window (take start readings here)."""

    @abc.abstractmethod
    def stop_window(self, window: Window) -> dict[str, float]:
        """Called right after the last batch; returns metric -> value for this window."""

    def combine(self, metric: str, windows: Sequence[Window], readings: Sequence[float]) -> float | None:
        """One value of ``metric`` from every window of a measurement, when the sensor has a rule
        of its own (the process sensor pools all batch times for latency); None: the measurement's
        default (the mean over windows, the maximum for a peak)."""
        return None

    def combined_spread(self, metric: str, windows: Sequence[Window], readings: Sequence[float]) -> float | None:
        """The spread of ``combine``'s value where the sensor has a rule of its own; None: the
        standard deviation of the per-window readings."""
        return None

    def close(self) -> None:
        """Release library handles or threads; the default has nothing to release."""


class SensorUnavailable(Exception):
    """Raised inside a sensor's set-up when it cannot work here; the message is the reason."""
