"""A user's configurations in network values -> raw values (``hyperpower.configurations``), and
the rounding rule they share with transfer (``Variable.clipped``, issue 22.5)."""

from __future__ import annotations

import json

import pytest

from hyperpower.configurations import (GivenConfiguration, configuration_from_assignments, raw_configuration,
                                       raw_value, read_configurations)
from hyperpower.errors import ConfigError
from hyperpower.space import SearchSpace, Variable

LEARNING_RATE = Variable("lr", "INT", 1, 4, transform="NEGEXP10")
UNITS = Variable("units", "INT", 1, 16, transform="X64")
DECAY = Variable("decay", "FLOAT", 1e-4, 1e-2, log_scale=True)
ACTIVATION = Variable("activation", "ENUM", options=("relu", "tanh"))
SPACE = SearchSpace([LEARNING_RATE, UNITS, DECAY, ACTIVATION])


def test_log_scale_decoding_stays_inside_the_bounds() -> None:
    """exp(log(0.01)) is 0.010000000000000004: the top of the unit interval decodes to the max."""
    assert DECAY.from_unit([1.0]) == 0.01 and DECAY.from_unit([0.0]) == 1e-4
    assert DECAY.contains(DECAY.from_unit([1.0]))


@pytest.mark.parametrize("variable,given,kept", [
    (DECAY, 0.010000000000000004, 0.01), (DECAY, 0.01 * (1 + 1e-6), None), (DECAY, 0.005, 0.005),
    (UNITS, 3.0000000000004, 3), (UNITS, 3.2, None), (UNITS, 17, None), (ACTIVATION, "tanh", "tanh"),
    (ACTIVATION, "elu", None), (DECAY, "0.01", None), (DECAY, float("nan"), None),
])
def test_values_within_rounding_of_a_bound_or_an_integer_are_clipped(variable, given, kept) -> None:
    assert variable.clipped(given) == kept


def test_network_values_are_inverted_through_the_transform() -> None:
    assert raw_value(LEARNING_RATE, 0.001) == 3 and raw_value(UNITS, 192) == 3
    assert raw_value(DECAY, 0.010000000000000004) == 0.01 and raw_value(ACTIVATION, "relu") == "relu"
    assert LEARNING_RATE.network_value(raw_value(LEARNING_RATE, 0.0001)) == 0.0001


@pytest.mark.parametrize("variable,given,message", [
    (LEARNING_RATE, 0.002, "outside lr's values: one of 0.0001, 0.001, 0.01, 0.1 (NEGEXP10 of 1..4)"),
    (LEARNING_RATE, -1, "NEGEXP10 gives only positive values"),
    (UNITS, 100, "outside units's values: X64 of an integer in 1..16, 64..1024"),
    (DECAY, 0.5, "outside decay's values: a number in 0.0001..0.01"),
    (ACTIVATION, "elu", "not one of activation's options (relu, tanh)"),
    (DECAY, [0.01], "decay takes a number in 0.0001..0.01"),
])
def test_a_value_the_variable_cannot_take_says_what_it_takes(variable, given, message) -> None:
    with pytest.raises(ValueError) as raised:
        raw_value(variable, given)
    assert message in str(raised.value)


def test_a_size_k_variable_takes_a_list() -> None:
    pair = Variable("pair", "FLOAT", 0.0, 1.0, size=2)
    assert raw_value(pair, [0.25, 1.0]) == [0.25, 1.0]
    with pytest.raises(ValueError, match="give a list of 2"):
        raw_value(pair, 0.5)


def test_assignments_parse_numbers_lists_and_bare_options() -> None:
    given = configuration_from_assignments(["lr=0.001", "units=192", "decay=1e-3", "activation=tanh"])
    assert given.values == {"lr": 0.001, "units": 192, "decay": 0.001, "activation": "tanh"}
    assert raw_configuration(SPACE, given) == {"lr": 3, "units": 3, "decay": 0.001, "activation": "tanh"}
    for texts, message in ((["lr"], "expected NAME=VALUE"), (["lr=1", "lr=2"], "lr is given twice")):
        with pytest.raises(ConfigError, match=message):
            configuration_from_assignments(texts)


def test_files_in_export_form_and_plain_form(tmp_path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("lr,units,decay,activation\n0.01,64,0.001,relu\n0.1,128,0.0001,tanh\n")
    exported = tmp_path / "exported.csv"
    exported.write_text("id,status,params.lr,params.units,params.decay,params.activation,values.error\n"
                        "1,complete,0.01,64,0.001,relu,0.2\n")
    records = tmp_path / "export.json"
    records.write_text(json.dumps([{"id": 1, "params": {"lr": 0.01, "units": 64, "decay": 0.001,
                                                        "activation": "relu"}, "values": {"error": 0.2}}]))
    first = {"lr": 2, "units": 1, "decay": 0.001, "activation": "relu"}
    assert [raw_configuration(SPACE, c) for c in read_configurations(plain)][0] == first
    assert [c.where for c in read_configurations(plain)] == [f"{plain} line 2", f"{plain} line 3"]
    assert [raw_configuration(SPACE, c) for c in read_configurations(exported)] == [first]
    assert [raw_configuration(SPACE, c) for c in read_configurations(records)] == [first]


@pytest.mark.parametrize("name,text,message", [
    ("bad.json", "[{\"lr\": 0.01,}]", "not valid JSON (line 1"),
    ("list.json", "[1, 2]", "item 1: expected an object of NAME: VALUE pairs"),
    ("empty.json", "[]", "holds no configuration"),
    ("short.csv", "lr,units\n0.01,\n", "line 2: no value for units"),
    ("long.csv", "lr\n0.01,3\n", "line 2: more cells than the header has columns"),
    ("table.txt", "lr=0.01", "expected a .json or .csv file"),
])
def test_malformed_files_are_refused_naming_the_file_and_line(tmp_path, name, text, message) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ConfigError) as raised:
        read_configurations(path)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_unknown_and_missing_variables_are_named() -> None:
    with pytest.raises(ConfigError, match="momentum is not a variable of the experiment"):
        raw_configuration(SPACE, GivenConfiguration({"momentum": 0.9}, "enqueue"))
    with pytest.raises(ConfigError, match="no value for units, decay, activation"):
        raw_configuration(SPACE, GivenConfiguration({"lr": 0.01}, "enqueue"))
