"""How a job's measured values become a stored outcome: status, feasibility and the method label.

NaN is a hidden constraint (Spearmint; Gelbart et al. 2014): an objective that comes back NaN
says "this configuration gives no valid result", not "the job crashed". Such a job is COMPLETE,
``feasible=False``, its NaN objective stored, and the optimizer learns where NaN results lie.
Only a missing or infinite objective (or an exception, time-out, kill) makes a job BROKEN.
"""

from __future__ import annotations

import math
from typing import Any

from hyperpower.config import ExperimentConfig, HyperPowerSettings


def method_label(settings: HyperPowerSettings) -> str:
    """``hw-ieci`` for the hardware-aware form, ``hw-ieci-unaware`` for the paper's baseline."""
    return settings.method if settings.aware else f"{settings.method}-unaware"


def measured_feasibility(config: ExperimentConfig, values: dict[str, float]) -> bool | None:
    """True when every constraint task is satisfied by the measured values, False when one is
    broken or the objective is NaN (an invalid result), None when there is no constraint or a
    constraint value was not measured."""
    if is_invalid_result(config, values):
        return False
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
    """Why the values cannot count as a finished evaluation: a missing or infinite objective (any
    of several). A NaN objective is not a problem here: it is an invalid (infeasible) result."""
    for task in config.objective_tasks:
        name = task.name
        if name not in values:
            return f"the objective {name!r} is missing from the returned values {sorted(values)}"
        if not _finite(values[name]) and not _is_nan(values[name]):
            return f"the objective {name!r} is {values[name]!r}"
    return None


def is_invalid_result(config: ExperimentConfig, values: dict[str, Any]) -> bool:
    """An objective (any one of several) came back NaN: the configuration gives no valid result
    (hidden constraint), so the job is infeasible and stays off the front."""
    return any(_is_nan(values.get(task.name)) for task in config.objective_tasks)


def _is_nan(value: Any) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
