"""Counting, enumerating and moving on the grid of discrete configurations, against itertools."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hyperpower.optimize.candidates import TakenPoints
from hyperpower.optimize.grid import (
    configuration_count, configurations, continuous_columns, enumerate_configurations, one_variable_moves,
)
from hyperpower.space import SearchSpace, Variable

SMALL = SearchSpace([
    Variable("units", "INT", 3, 6), Variable("act", "ENUM", options=("relu", "tanh", "elu")),
    Variable("ops", "ENUM", options=("a", "b"), size=2), Variable("fixed", "FLOAT", 0.5, 0.5),
])


def every_raw(space: SearchSpace) -> list[dict]:
    """Brute force: every combination of raw values, from the variables' own definitions."""
    per_variable = []
    for variable in space.variables:
        if variable.type.value == "ENUM":
            values = list(variable.options)
        elif variable.type.value == "INT":
            values = list(range(variable.min, variable.max + 1))
        else:
            values = [variable.min]
        per_variable.append([list(c) for c in itertools.product(values, repeat=variable.size)] if variable.size > 1 else values)
    return [dict(zip(space.names, combo)) for combo in itertools.product(*per_variable)]


def test_count_and_enumeration_cover_every_configuration_once() -> None:
    raws = every_raw(SMALL)
    assert configuration_count(SMALL) == len(raws) == 4 * 3 * 4
    enumerated = np.vstack(list(enumerate_configurations(SMALL, block=5)))
    assert len(enumerated) == len(raws)
    np.testing.assert_array_equal(enumerated, SMALL.snap(enumerated))
    brute = SMALL.snap(np.array([SMALL.to_unit(raw) for raw in raws]))
    assert TakenPoints(brute).mask_new(enumerated).sum() == 0  # same keys: the taken test recognizes them
    assert len(TakenPoints(enumerated)) == len(raws)  # all distinct


def test_a_continuous_variable_makes_the_space_uncountable() -> None:
    space = SearchSpace([Variable("n", "INT", 1, 3), Variable("rate", "FLOAT", 0.0, 1.0, log_scale=False)])
    assert configuration_count(space) is None
    np.testing.assert_array_equal(continuous_columns(space), [1])
    with pytest.raises(ValueError, match="continuous"):
        next(enumerate_configurations(space, 10))
    assert len(continuous_columns(SMALL)) == 0  # a FLOAT with min == max is one value


def test_blocks_are_slices_of_one_numbering() -> None:
    np.testing.assert_array_equal(configurations(SMALL, 7, 19), configurations(SMALL, 0, 48)[7:19])


def changed_variables(space: SearchSpace, a: np.ndarray, b: np.ndarray) -> list[str]:
    raw_a, raw_b = space.from_unit(a), space.from_unit(b)
    return [name for name in space.names if raw_a[name] != raw_b[name]]


def test_moves_change_exactly_one_element_and_reach_every_neighbour() -> None:
    point = SMALL.to_unit({"units": 4, "act": "tanh", "ops": ["a", "b"], "fixed": 0.5})
    moves = one_variable_moves(SMALL, point)
    np.testing.assert_array_equal(moves, SMALL.snap(moves))
    for move in moves:
        assert len(changed_variables(SMALL, point, move)) == 1
    # brute force: the configurations at Hamming distance one (elements of "ops" count apart)
    raw = SMALL.from_unit(point)
    expected = 0
    for other in every_raw(SMALL):
        differences = sum(other[n] != raw[n] for n in ("units", "act")) + sum(x != y for x, y in zip(other["ops"], raw["ops"]))
        expected += differences == 1
    assert len(moves) == expected == 3 + 2 + 1 + 1


def test_a_wide_int_range_offers_a_ladder_with_the_ends() -> None:
    space = SearchSpace([Variable("width", "INT", 1, 1000)])
    moves = one_variable_moves(space, space.to_unit({"width": 500}))
    values = sorted(space.from_unit(m)["width"] for m in moves)
    assert {499, 501, 498, 502, 1, 1000, 500 - 256, 500 + 256} <= set(values)
    assert len(values) == len(set(values)) and 500 not in values and len(values) < 25
