"""Configurations to profile: scrambled Sobol points over the structural variables.

Only structural variables change power and memory, so only they vary; every other variable is
held at the midpoint of its range (its value cannot matter to the hardware, and a fixed value
keeps it out of the fit). A scrambled Sobol sequence covers the structural sub-cube more evenly
than independent random draws, which matters with the few tens of samples profiling can afford.
"""

from __future__ import annotations

import warnings
from typing import Any, Sequence

import numpy as np

from hyperpower.hardware.structure import midpoint_params
from hyperpower.space import SearchSpace, Variable, VariableType


def _decode(variable: Variable, coordinates: np.ndarray) -> Any:
    """``size`` Sobol coordinates in [0, 1) -> the variable's raw value (ENUM: option by index)."""
    if variable.type is not VariableType.ENUM:
        return variable.from_unit(coordinates)
    count = len(variable.options)
    indices = np.minimum((coordinates * count).astype(int), count - 1)
    options = [variable.options[i] for i in indices]
    return options if variable.size > 1 else options[0]


def draw_configurations(space: SearchSpace, structural: Sequence[str], count: int,
                        rng: np.random.Generator) -> list[dict[str, Any]]:
    """``count`` raw-parameter dicts: structural variables from a scrambled Sobol sequence
    (one coordinate per element), the others at their midpoint."""
    from scipy.stats import qmc

    variables = [space[name] for name in structural]
    dims = sum(v.size for v in variables)
    if count < 1 or dims == 0:
        return []
    with warnings.catch_warnings():  # Sobol prefers powers of two; any count is still well spread
        warnings.simplefilter("ignore", UserWarning)
        points = qmc.Sobol(d=dims, scramble=True, seed=rng).random(count)
    base = midpoint_params(space)
    configurations = []
    for point in points:
        raw, column = dict(base), 0
        for variable in variables:
            raw[variable.name] = _decode(variable, point[column:column + variable.size])
            column += variable.size
        configurations.append(raw)
    return configurations
