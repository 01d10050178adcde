"""How a job's measured values become a stored outcome: feasibility and the method label."""

from __future__ import annotations

import math
from typing import Any

from hyperpower.config import ExperimentConfig, HyperPowerSettings


def method_label(settings: HyperPowerSettings) -> str:
    """``hw-ieci`` for the hardware-aware form, ``hw-ieci-unaware`` for the paper's baseline."""
    return settings.method if settings.aware else f"{settings.method}-unaware"


def measured_feasibility(config: ExperimentConfig, values: dict[str, float]) -> bool | None:
    """True when every constraint task is satisfied by the measured values, False when one is
    broken, None when there is no constraint or a constraint value was not measured."""
    verdicts = []
    for task in config.constraint_tasks:
        value = values.get(task.name)
        if value is None or not _finite(value):
            verdicts.append(None)
        else:
            verdicts.append(task.is_satisfied(float(value)))
    if False in verdicts:
        return False
    if not verdicts or None in verdicts:
        return None
    return True


def objective_problem(config: ExperimentConfig, values: dict[str, Any]) -> str | None:
    """Why the values cannot count as a finished evaluation (missing or non-finite objective)."""
    name = config.objective_task.name
    if name not in values:
        return f"the objective {name!r} is missing from the returned values {sorted(values)}"
    if not _finite(values[name]):
        return f"the objective {name!r} is {values[name]!r}"
    return None


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
