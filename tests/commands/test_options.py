"""Shared experiment options: flag syntax (budgets with units, durations, METRIC=FILE) -> GenerateOptions."""

from __future__ import annotations

import argparse
import math

import pytest

from hyperpower.commands.options import (
    add_experiment_options,
    options_from_args,
    parse_budget_flags,
    parse_duration,
    split_assignment,
)
from hyperpower.errors import ConfigError
from hyperpower.generate import GenerateOptions


def _parse(*argv: str) -> GenerateOptions:
    parser = argparse.ArgumentParser()
    add_experiment_options(parser)
    return options_from_args(parser.parse_args(list(argv)))


def test_flags_left_out_stay_none_so_regeneration_keeps_them() -> None:
    assert _parse() == GenerateOptions()


def test_every_flag_reaches_generate_options() -> None:
    options = _parse("--optimize", "error", "--budget", "power=90W", "--budget", "memory=1.25GB", "--method", "rand",
                     "--unaware", "--epochs", "3", "--max-evals", "9", "--max-time", "20m", "--store",
                     "sqlite:////tmp/x.sqlite", "--model", "power=models/power.json", "--seed", "4")
    assert options == GenerateOptions(optimize=["error"], budgets={"power": 90.0, "memory": 1250.0}, method="rand",
                                      aware=False, epochs=3, max_evals=9, max_time_s=1200.0,
                                      store="sqlite:////tmp/x.sqlite", models={"power": "models/power.json"}, seed=4)
    assert _parse("--aware").aware is True
    assert _parse("--objective-split", "test", "--keep-models", "none") == GenerateOptions(
        objective_split="test", keep_models="none")
    with pytest.raises(SystemExit):  # argparse refuses a value outside the choices, naming the flag
        _parse("--keep-models", "newest")
    assert _parse("--no-budgets").budgets == {}
    assert _parse("--violation-rate", "0.05", "--model-margin", "0") == GenerateOptions(violation_rate=0.05,
                                                                                      model_margin=0.0)


@pytest.mark.parametrize("text, seconds", [("90s", 90.0), ("20m", 1200.0), ("1h", 3600.0), ("1h30m", 5400.0),
                                           ("45", 45.0), ("2.5m", 150.0), (" 1H ", 3600.0)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["none", "None", "inf", "0", "0s", " 0m "])
def test_none_inf_and_zero_mean_no_time_limit(text: str) -> None:
    """A saved --max-time must be removable (issue 16): these parse to inf, which clears it."""
    assert parse_duration(text) == math.inf


@pytest.mark.parametrize("text", ["", "soon", "10x", "-5", "-1m", "nan", "1h fish"])
def test_bad_durations_name_the_flag(text: str) -> None:
    with pytest.raises(ConfigError, match="--max-time"):
        parse_duration(text)


def test_budget_flags_parse_units_and_refuse_bad_input() -> None:
    assert parse_budget_flags(["memory=200MB", "latency=0.5s", "energy=30mJ"]) == ({
        "memory": 200.0, "latency": 500.0, "energy": 30.0}, {})
    assert parse_budget_flags(["memory=p50", "latency=P12.5", "power=90W"]) == (
        {"power": 90.0}, {"memory": 50.0, "latency": 12.5})
    with pytest.raises(ConfigError, match="strictly between p0 and p100"):
        parse_budget_flags(["memory=p100"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_budget_flags(["memory=p50", "memory=300MB"])
    with pytest.raises(ConfigError, match="expected METRIC=VALUE"):
        parse_budget_flags(["power90W"])
    with pytest.raises(ConfigError, match="unknown metric 'speed'"):
        parse_budget_flags(["speed=3"])
    # a plain Spearmint folder's budget may name any task its main-file returns (bare numbers)
    assert parse_budget_flags(["speed=3", "power=90W"], any_metric=True) == ({"speed": 3.0, "power": 90.0}, {})
    with pytest.raises(ConfigError, match="unknown metric 'speed'"):
        parse_budget_flags(["speed=p50"], any_metric=True)
    with pytest.raises(ConfigError, match="unit 'W' is for power, not memory"):
        parse_budget_flags(["memory=90W"])
    with pytest.raises(ConfigError, match="given twice"):
        parse_budget_flags(["power=90", "power=80"])


def test_model_flag_syntax() -> None:
    assert split_assignment("power = a=b.json", "--model", "METRIC=FILE") == ("power", "a=b.json")
    with pytest.raises(ConfigError, match="--model 'power=': expected METRIC=FILE"):
        _parse("--model", "power=")
    with pytest.raises(ConfigError, match="contradict"):
        _parse("--no-budgets", "--budget", "power=9")
