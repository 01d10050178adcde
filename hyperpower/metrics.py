"""Every metric HyperPower knows, defined once (design §5): name, unit, direction, how it is
obtained, label and number format. Each layer asks this registry; none keeps its own list.

A job's values hold metrics of three origins: *trained* (``error``, ``test_error``: the network is
trained and scored), *measured* (``power``, ``memory``, ``latency``, ``energy``: inference on the
device, read by the sensors in ``hyperpower.hardware.sensors``), and *derived* (``runtime``,
``cost``: the training's own clock and the device's price). A plain Spearmint main-file returns
values of its own names (its tasks): ``metric(name)`` gives those a unitless *task* metric.

Adding a metric is one entry in ``_REGISTERED`` (plus a sensor that reports it, for a measured one).
"""

from __future__ import annotations

import dataclasses
import enum
import math


class Origin(enum.Enum):
    """How a job's value of a metric comes to exist."""

    TRAINED = "trained"  # training the network and scoring a split
    MEASURED = "measured"  # inference on the device, read by a sensor
    DERIVED = "derived"  # from the training's clock and the device's price
    TASK = "task"  # returned by a user's main-file (a Spearmint task)


class Direction(enum.Enum):
    """Which way is better. Every objective and every budget of HyperPower is minimized (a budget
    is an upper limit); the field says so in one place rather than by silence."""

    MINIMIZE = "minimize"


@dataclasses.dataclass(frozen=True)
class Metric:
    """One metric. ``unit`` is the canonical unit every value is stored in (design §5); empty for
    fractions, currency and user tasks. ``suffixes``: unit suffixes a budget of this metric accepts
    (lower case) -> factor to the canonical unit. ``sensors``: what can measure a measured metric,
    in the words the refusal prints when nothing here does (``hardware.sensors``)."""

    name: str
    unit: str
    label: str
    origin: Origin
    direction: Direction = Direction.MINIMIZE
    sensors: tuple[str, ...] = ()
    suffixes: tuple[tuple[str, float], ...] = ()
    #: a run may minimize or bound it; ``test_error`` is only recorded (choosing on it would leak
    #: the test split into the search)
    selectable: bool = True

    @property
    def is_hardware(self) -> bool:
        """Measured on the device during inference: a model can predict it from the structure."""
        return self.origin is Origin.MEASURED

    @property
    def axis_label(self) -> str:
        """``power (W)``; a unitless metric is its label alone."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    @property
    def column(self) -> str:
        """A column name that carries the unit: ``memory_MB``; unitless metrics keep their name."""
        return f"{self.name}_{self.unit}" if self.unit else self.name

    def format(self, value: float | None) -> str:
        """Human form with the unit, e.g. ``91.2 W``; ``-`` for a missing value."""
        if value is None:
            return "-"
        return f"{format_number(value)} {self.unit}".strip()


def format_number(value: float) -> str:
    """The one rounding every report uses (status, best, export notes, plots, logs), so a value
    reads the same wherever it is shown: 4 significant digits, whole numbers from 1000 up
    (``299.654`` -> ``299.7``, ``12345.6`` -> ``12346``), ``NaN`` and ``inf`` spelled out."""
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    return f"{value:.4g}"


_REGISTERED: tuple[Metric, ...] = (
    Metric("error", "", "error (fraction, 1 - accuracy)", Origin.TRAINED, suffixes=(("%", 0.01),)),
    Metric("test_error", "", "test error (fraction, 1 - accuracy)", Origin.TRAINED, selectable=False),
    Metric("power", "W", "power", Origin.MEASURED, sensors=("an NVIDIA GPU (NVML)", "readable RAPL counters"),
           suffixes=(("w", 1.0), ("mw", 1e-3), ("kw", 1e3))),
    Metric("memory", "MB", "memory", Origin.MEASURED, sensors=("an NVIDIA GPU (NVML)", "the process sensor (/proc)"),
           suffixes=(("b", 1e-6), ("kb", 1e-3), ("mb", 1.0), ("gb", 1e3), ("kib", 1024 / 1e6),
                     ("mib", 1024**2 / 1e6), ("gib", 1024**3 / 1e6))),
    Metric("latency", "ms", "latency", Origin.MEASURED, sensors=("the process sensor",),
           suffixes=(("us", 1e-3), ("ms", 1.0), ("s", 1e3))),
    Metric("energy", "mJ", "energy per image", Origin.MEASURED, sensors=("an NVIDIA GPU (NVML)", "readable RAPL counters"),
           suffixes=(("uj", 1e-3), ("mj", 1.0), ("j", 1e3))),
    Metric("runtime", "s", "training time", Origin.DERIVED,
           suffixes=(("s", 1.0), ("m", 60.0), ("min", 60.0), ("h", 3600.0))),
    Metric("cost", "", "cost (price x training hours)", Origin.DERIVED),
)

#: name -> Metric of every metric HyperPower defines (user tasks are made on demand by ``metric``)
METRICS: dict[str, Metric] = {m.name: m for m in _REGISTERED}

#: the metrics ``--optimize`` and ``--budget`` accept in a HyperPower folder, in the order files list them
SELECTABLE_METRICS: tuple[str, ...] = tuple(m.name for m in _REGISTERED if m.selectable)

#: the metrics a sensor measures during inference and a linear model can predict, in report order
HARDWARE_METRICS: tuple[str, ...] = tuple(m.name for m in _REGISTERED if m.is_hardware)

#: the metrics computed from a job's training clock and its device's price (``runtime``, ``cost``)
DERIVED_METRICS: tuple[str, ...] = tuple(m.name for m in _REGISTERED if m.origin is Origin.DERIVED)


#: job values recorded beside the measured metrics, saying how they were measured (the protocol:
#: windows, their total seconds, 1 when HYPERPOWER_QUICK_MEASURE shortened it; ``hardware.protocol``);
#: a promotion that reuses its parent's measurement reuses these with it
MEASUREMENT_RECORDS: tuple[str, ...] = ("measurement_windows", "measurement_window_s", "measurement_quick")


def metric(name: str) -> Metric:
    """The registered metric of ``name``, else a unitless task metric (a Spearmint task's value)."""
    return METRICS.get(name) or Metric(name, "", name, Origin.TASK)


def is_hardware_metric(name: str) -> bool:
    """``power``, ``memory``, ``latency``, ``energy``: measured on the device, modelled a priori."""
    return metric(name).is_hardware
