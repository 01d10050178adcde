"""Structural detection: flags win; otherwise two builds at min and max must differ."""

from __future__ import annotations

from pathlib import Path

from hardware_fixtures import write_tiny_experiment
from hyperpower.hardware.structure import detect_structural, extreme_raw_value, structural_variables
from hyperpower.space import SearchSpace, Variable, VariableType


def test_detection_with_a_signature_function() -> None:
    space = SearchSpace([
        Variable("units", VariableType.INT, 8, 64),
        Variable("learning_rate", VariableType.FLOAT, 0.001, 0.1),
        Variable("activation", VariableType.ENUM, options=("relu", "conv")),
        Variable("flagged", VariableType.INT, 1, 2, structural=False),
        Variable("fixed", VariableType.INT, 3, 3),
    ])
    built = []

    def signature(params):
        built.append(params)
        return (params["units"], params["activation"] == "conv", params["flagged"])

    flags = detect_structural(space, signature)
    assert flags == {"units": True, "learning_rate": False, "activation": True, "flagged": False, "fixed": False}
    assert len(built) == 2 * 3, "two builds per undetermined variable with a range, none for flagged or fixed ones"
    assert {b["units"] for b in built} == {8, 64, 36}


def test_extremes_of_size_k_and_enum_variables() -> None:
    assert extreme_raw_value(Variable("w", VariableType.INT, 1, 4, size=2), high=True) == [4, 4]
    assert extreme_raw_value(Variable("e", VariableType.ENUM, options=("a", "b", "c")), high=False) == "a"


def test_detection_builds_real_keras_networks(tmp_path: Path) -> None:
    from hyperpower.template import parse_template

    folder = write_tiny_experiment(tmp_path, flagged=False)
    template = parse_template(folder / "keras_model" / "network_def.py")
    assert [v.structural for v in template.space.variables] == [None, None]
    assert structural_variables(template) == ["units"]
