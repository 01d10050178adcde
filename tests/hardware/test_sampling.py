"""draw_configurations: Sobol over structural variables only, the others at their midpoint."""

from __future__ import annotations

import numpy as np

from hyperpower.hardware.sampling import draw_configurations
from hyperpower.space import SearchSpace, Variable, VariableType


def _space() -> SearchSpace:
    return SearchSpace([
        Variable("filters", VariableType.INT, 20, 80, transform=None, structural=True),
        Variable("kernel", VariableType.INT, 2, 5, structural=True),
        Variable("layer_kind", VariableType.ENUM, options=("dense", "conv", "none"), structural=True),
        Variable("widths", VariableType.INT, 1, 4, size=2, transform="X100", structural=True),
        Variable("learning_rate", VariableType.FLOAT, 0.001, 0.1, log_scale=True, structural=False),
        Variable("momentum", VariableType.FLOAT, 0.8, 0.95, structural=False),
    ])


def test_structural_values_cover_their_ranges_others_fixed() -> None:
    space = _space()
    configurations = draw_configurations(space, space.structural_names(), 64, np.random.default_rng(0))
    assert len(configurations) == 64
    assert {c["kernel"] for c in configurations} == {2, 3, 4, 5}
    assert {c["layer_kind"] for c in configurations} == {"dense", "conv", "none"}
    filters = [c["filters"] for c in configurations]
    assert min(filters) <= 23 and max(filters) >= 77
    assert all(len(c["widths"]) == 2 and set(c["widths"]) <= {1, 2, 3, 4} for c in configurations)
    assert {c["momentum"] for c in configurations} == {0.875}
    assert {round(c["learning_rate"], 6) for c in configurations} == {0.01}
    assert all(space["filters"].contains(c["filters"]) for c in configurations)


def test_sobol_is_more_even_than_chance() -> None:
    """64 draws over the 61 filter values: Sobol leaves no wide empty stretch."""
    space = _space()
    filters = sorted(c["filters"] for c in draw_configurations(space, ["filters"], 64, np.random.default_rng(3)))
    assert max(np.diff(filters)) <= 3


def test_same_seed_same_configurations() -> None:
    space = _space()
    first = draw_configurations(space, ["filters", "kernel"], 10, np.random.default_rng(42))
    again = draw_configurations(space, ["filters", "kernel"], 10, np.random.default_rng(42))
    other = draw_configurations(space, ["filters", "kernel"], 10, np.random.default_rng(43))
    assert first == again and first != other
