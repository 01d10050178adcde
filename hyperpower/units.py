"""Budget values with unit suffixes (``90W``, ``1.25GB``) and the human form of metric values.

Units, suffixes and labels belong to the metric registry (``hyperpower.metrics``); this module
reads it to parse and to print."""

from __future__ import annotations

import re

from hyperpower.errors import ConfigError
from hyperpower.metrics import METRICS, format_number, metric as registered_metric

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
    own = dict(registered_metric(metric).suffixes)
    if suffix in own:
        return number * own[suffix]
    owner = next((m for m in METRICS.values() if suffix in dict(m.suffixes)), None)
    if owner is None:
        raise ConfigError(f"budget {metric}={text!r}: unknown unit {match.group(2)!r}; use W, MB/GB, ms, mJ")
    expected = registered_metric(metric).unit or "a bare number"
    raise ConfigError(f"budget {metric}={text!r}: unit {match.group(2)!r} is for {owner.name}, not {metric} (use {expected})")


def format_value(metric: str, value: float | None) -> str:
    """Human form with the metric's unit, e.g. ``91.2 W``; error is a fraction (no unit)."""
    return registered_metric(metric).format(value)


def format_measurement(metric: str, value: float, spread: float | None) -> str:
    """A measured value with its spread over measurement windows: ``316.7 ± 0.012 MB``."""
    unit = registered_metric(metric).unit
    spread_text = f" ± {spread:.2g}" if spread is not None else ""
    return f"{format_number(value)}{spread_text} {unit}".strip()


def name_with_unit(metric: str) -> str:
    """A column name that carries the unit: ``memory_MB``, ``power_W``; ``error`` (a fraction) and
    custom Spearmint tasks (unitless) keep their bare name."""
    return registered_metric(metric).column
