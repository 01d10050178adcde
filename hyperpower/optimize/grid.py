"""The discrete configurations of a search space: counting, enumerating in blocks, one-variable moves.

A space made only of INT and ENUM variables (NAS-Bench-201's six operations of five choices,
15,625 cells) is a finite grid. When it is small, the acquisition search scores every
configuration instead of a sample (``search``), so the suggestion is the acquisition's exact
arg-max; ``enumerate_configurations`` yields them in blocks so memory stays bounded whatever the
grid's size. When it is too large to enumerate, ``one_variable_moves`` gives the neighbourhood a
local search climbs: every configuration that differs in one discrete element.

Every point returned is on the grid exactly as ``encoding.snap_points`` puts it, so
``candidates.TakenPoints`` recognizes an enumerated configuration as the one already tried.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from hyperpower.optimize.encoding import snap_points
from hyperpower.space import SearchSpace, Variable, VariableType

#: INT elements with at most this many values offer all of them as moves; wider ranges offer a
#: ladder of steps (1, 2, 4, ... in both directions) from the current value
ALL_VALUES_UP_TO = 16


def is_continuous(variable: Variable) -> bool:
    """A FLOAT with a range: its values are not a finite grid."""
    return variable.type is VariableType.FLOAT and variable.max != variable.min


def _element_choices(variable: Variable) -> int:
    if variable.type is VariableType.ENUM:
        return len(variable.options)
    if variable.type is VariableType.INT:
        return int(variable.max - variable.min + 1)
    return 1  # a FLOAT with min == max has one value


def configuration_count(space: SearchSpace) -> int | None:
    """How many distinct configurations the space holds; None when a variable is continuous."""
    if any(is_continuous(v) for v in space.variables):
        return None
    count = 1
    for variable in space.variables:
        count *= _element_choices(variable) ** variable.size
    return count


def continuous_columns(space: SearchSpace) -> np.ndarray:
    """The unit-cube columns of the continuous variables (what a gradient can move)."""
    columns = [np.arange(space.slice_of(v.name).start, space.slice_of(v.name).stop)
               for v in space.variables if is_continuous(v)]
    return np.concatenate(columns).astype(int) if columns else np.zeros(0, dtype=int)


def _elements(space: SearchSpace) -> list[tuple[Variable, int]]:
    """(variable, first column) of every element (a variable of size k has k elements)."""
    elements = []
    for variable in space.variables:
        start = space.slice_of(variable.name).start
        for element in range(variable.size):
            elements.append((variable, start + element * variable.element_dims))
    return elements


def _unit_of_choice(variable: Variable, choice: np.ndarray) -> np.ndarray:
    """(n,) choice indices -> (n, element_dims) coordinates of one element."""
    if variable.type is VariableType.ENUM:
        coordinates = np.zeros((len(choice), len(variable.options)))
        coordinates[np.arange(len(choice)), choice] = 1.0
        return coordinates
    if variable.type is VariableType.INT:
        return ((choice + 0.5) / (variable.max - variable.min + 1))[:, None]
    return np.full((len(choice), 1), 0.5)


def configurations(space: SearchSpace, start: int, stop: int) -> np.ndarray:
    """(stop - start, dim) the configurations numbered start..stop-1 (mixed radix, the last
    element varying fastest); only for spaces ``configuration_count`` can count."""
    index = np.arange(start, stop, dtype=np.int64)
    points = np.empty((len(index), space.dim))
    for variable, column in reversed(_elements(space)):
        choices = _element_choices(variable)
        points[:, column:column + variable.element_dims] = _unit_of_choice(variable, index % choices)
        index //= choices
    return snap_points(space, points)


def enumerate_configurations(space: SearchSpace, block: int) -> Iterator[np.ndarray]:
    """Every configuration of a countable space, ``block`` rows at a time."""
    count = configuration_count(space)
    if count is None:
        raise ValueError("a space with a continuous variable cannot be enumerated")
    for start in range(0, count, block):
        yield configurations(space, start, min(count, start + block))


def _int_values(variable: Variable, current: int) -> np.ndarray:
    """The INT values a move may set: all of a short range, else a ladder of steps around it."""
    low, high = int(variable.min), int(variable.max)
    if high - low + 1 <= ALL_VALUES_UP_TO:
        values = np.arange(low, high + 1)
    else:
        steps = 2 ** np.arange(int(np.ceil(np.log2(high - low + 1))))
        values = np.concatenate([current - steps, current + steps, [low, high]])
        values = np.unique(values[(values >= low) & (values <= high)])
    return values[values != current]


def one_variable_moves(space: SearchSpace, point: np.ndarray) -> np.ndarray:
    """(k, dim) the configurations that differ from ``point`` in exactly one discrete element:
    every other option of an ENUM, the values ``_int_values`` offers for an INT. Continuous
    coordinates are left as they are (the gradient polish moves those)."""
    point = np.asarray(point, dtype=float)
    moves = []
    for variable, column in _elements(space):
        if variable.type is VariableType.ENUM:
            current = int(np.argmax(point[column:column + variable.element_dims]))
            choices = np.array([c for c in range(len(variable.options)) if c != current])
        elif variable.type is VariableType.INT:
            current = int(round(point[column] * (variable.max - variable.min + 1) - 0.5))
            choices = _int_values(variable, current + int(variable.min)) - int(variable.min)
        else:
            continue
        if len(choices) == 0:
            continue
        block = np.repeat(point[None, :], len(choices), axis=0)
        block[:, column:column + variable.element_dims] = _unit_of_choice(variable, choices)
        moves.append(block)
    if not moves:
        return np.zeros((0, space.dim))
    return snap_points(space, np.vstack(moves))
