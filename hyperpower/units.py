"""Metrics, their canonical units (design §5) and budget parsing with unit suffixes."""

from __future__ import annotations

import math
import re

from hyperpower.errors import ConfigError

#: metric -> canonical unit
METRIC_UNITS: dict[str, str] = {
    "error": "",
    "power": "W",
    "memory": "MB",
    "latency": "ms",
    "energy": "mJ",
    "runtime": "s",  # a job's training time (``hyperpower.devices``)
    "cost": "",  # price x training hours, in the currency of --price
}

#: suffixes of one metric only, looked up before ``_SUFFIXES`` ("s" is a latency elsewhere)
_METRIC_SUFFIXES: dict[str, dict[str, float]] = {
    "runtime": {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0},
}

#: accepted suffix -> (metric it belongs to, factor to the canonical unit)
_SUFFIXES: dict[str, tuple[str, float]] = {
    "w": ("power", 1.0), "mw": ("power", 1e-3), "kw": ("power", 1e3),
    "b": ("memory", 1e-6), "kb": ("memory", 1e-3), "mb": ("memory", 1.0), "gb": ("memory", 1e3),
    "kib": ("memory", 1024 / 1e6), "mib": ("memory", 1024**2 / 1e6), "gib": ("memory", 1024**3 / 1e6),
    "us": ("latency", 1e-3), "ms": ("latency", 1.0), "s": ("latency", 1e3),
    "uj": ("energy", 1e-3), "mj": ("energy", 1.0), "j": ("energy", 1e3),
    "%": ("error", 0.01),
}
_BUDGET = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-z%]*)\s*$")


def parse_budget(metric: str, text: str | float | int) -> float:
    """``parse_budget("memory", "1.25GB") == 1250.0``; a bare number is in the canonical unit.

    Custom metrics (e.g. a Spearmint constraint task) take bare numbers only.
    """
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return float(text)
    match = _BUDGET.match(str(text))
    if not match:
        raise ConfigError(f"budget {metric}={text!r} is not a number with an optional unit (e.g. 90W, 1.25GB, 5ms)")
    number, suffix = float(match.group(1)), match.group(2).lower()
    if not suffix:
        return number
    if suffix in _METRIC_SUFFIXES.get(metric, {}):
        return number * _METRIC_SUFFIXES[metric][suffix]
    if suffix not in _SUFFIXES:
        raise ConfigError(f"budget {metric}={text!r}: unknown unit {match.group(2)!r}; use W, MB/GB, ms, mJ")
    unit_metric, factor = _SUFFIXES[suffix]
    if unit_metric != metric:
        expected = METRIC_UNITS.get(metric) or "a bare number"
        raise ConfigError(f"budget {metric}={text!r}: unit {match.group(2)!r} is for {unit_metric}, not {metric} (use {expected})")
    return number * factor


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


def format_value(metric: str, value: float | None) -> str:
    """Human form with the metric's unit, e.g. ``91.2 W``; error is a fraction (no unit)."""
    if value is None:
        return "-"
    unit = METRIC_UNITS.get(metric, "")
    return f"{format_number(value)} {unit}".strip()


def format_measurement(metric: str, value: float, spread: float | None) -> str:
    """A measured value with its spread over measurement windows: ``316.7 ± 0.012 MB``."""
    unit = METRIC_UNITS.get(metric, "")
    spread_text = f" ± {spread:.2g}" if spread is not None else ""
    return f"{format_number(value)}{spread_text} {unit}".strip()


def name_with_unit(metric: str) -> str:
    """A column name that carries the unit: ``memory_MB``, ``power_W``; ``error`` (a fraction) and
    custom Spearmint tasks (unitless) keep their bare name."""
    unit = METRIC_UNITS.get(metric, "")
    return f"{metric}_{unit}" if unit else metric
