"""A user's configurations (``hyperpower enqueue``): given values -> the optimizer's raw values.

Values are given as the network gets them, after template transforms: the values ``export``
shows under ``params`` and ``status`` in its table, so a job's parameters copied from either
(or ``export``'s JSON or CSV file itself) name the same configuration. For a variable with a
transform the raw value is found by inverting it (``lr=0.001`` with ``NEGEXP10`` is the
optimizer's 3); a value the transform cannot give from the variable's range or grid is refused.
Values within floating-point rounding of a bound or of an integer are taken as that bound or
integer (``Variable.clipped``), so a printed 0.1 of a ``LOG10`` variable is not refused for
being 0.1000000000000001.

Every refusal is a ``ConfigError`` naming where the value came from (the flag, or the file and
its line or item) and what the variable accepts.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
from pathlib import Path
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.space import SearchSpace, Variable, VariableType
from hyperpower.transforms import apply_transform, invert_transform

#: a grid this small is listed in full in a refusal
LISTED_VALUES = 12
#: the column prefix of ``export --format csv`` (``params.NAME``) and the key of its JSON records
EXPORT_PARAMS = "params"


@dataclasses.dataclass
class GivenConfiguration:
    """One configuration as the user wrote it: name -> value, and where it was written."""

    values: dict[str, Any]
    where: str


def parse_value(text: str) -> Any:
    """``"0.01"`` -> 0.01, ``"[1, 2]"`` -> [1, 2], ``"relu"`` -> "relu": JSON when it reads as
    JSON, else the text itself (an ENUM option needs no quotes)."""
    try:
        return json.loads(text)
    except ValueError:
        return text.strip()


def configuration_from_assignments(texts: list[str]) -> GivenConfiguration:
    """``["lr=0.01", "units=64"]`` (the command line's NAME=VALUE words) -> one configuration."""
    values: dict[str, Any] = {}
    for text in texts:
        name, separator, value = text.partition("=")
        if not separator or not name.strip() or not value.strip():
            raise ConfigError(f"{text!r}: expected NAME=VALUE (a variable of the experiment and its value, e.g. "
                              f"lr=0.01)")
        if name.strip() in values:
            raise ConfigError(f"{text!r}: {name.strip()} is given twice")
        values[name.strip()] = parse_value(value)
    return GivenConfiguration(values, "enqueue")


def read_configurations(path: Path) -> list[GivenConfiguration]:
    """The configurations of a JSON file (a list of NAME: VALUE objects, or ``export --format
    json``'s records, whose ``params`` are read) or a CSV file (a header of variable names, or
    ``export --format csv``'s ``params.NAME`` columns; one configuration per row)."""
    if not path.is_file():
        raise ConfigError(f"--file {path}: no such file")
    text = path.read_text()
    if path.suffix.lower() == ".csv":
        return _csv_configurations(path, text)
    if path.suffix.lower() != ".json":
        raise ConfigError(f"--file {path}: expected a .json or .csv file of configurations")
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"--file {path}: not valid JSON (line {getattr(exc, 'lineno', '?')}: {exc})") from None
    items = data if isinstance(data, list) else [data]
    configurations = []
    for index, item in enumerate(items, start=1):
        where = f"{path} item {index}"
        if isinstance(item, dict) and isinstance(item.get(EXPORT_PARAMS), dict):
            item = item[EXPORT_PARAMS]  # an export record
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: expected an object of NAME: VALUE pairs, got {item!r}")
        configurations.append(GivenConfiguration(dict(item), where))
    if not configurations:
        raise ConfigError(f"--file {path}: holds no configuration")
    return configurations


def _csv_configurations(path: Path, text: str) -> list[GivenConfiguration]:
    reader = csv.DictReader(text.splitlines())
    header = [name.strip() for name in (reader.fieldnames or [])]
    exported = [name for name in header if name.startswith(EXPORT_PARAMS + ".")]
    configurations = []
    for row in reader:
        where = f"{path} line {reader.line_num}"
        cells = {name.strip(): value for name, value in row.items() if name is not None}
        if None in row:
            raise ConfigError(f"{where}: more cells than the header has columns")
        if exported:  # export's CSV: only the parameters, under params.NAME
            cells = {name[len(EXPORT_PARAMS) + 1:]: cells[name] for name in exported}
        empty = [name for name, value in cells.items() if value is None or not value.strip()]
        if empty:
            raise ConfigError(f"{where}: no value for {', '.join(empty)}")
        configurations.append(GivenConfiguration({name: parse_value(value) for name, value in cells.items()}, where))
    if not configurations:
        raise ConfigError(f"--file {path}: holds no configuration (a header and one row per configuration)")
    return configurations


def raw_configuration(space: SearchSpace, given: GivenConfiguration) -> dict[str, Any]:
    """The optimizer's raw values of a configuration given in network values; ConfigError
    naming the value and what its variable accepts when one is unknown, missing or refused."""
    unknown = [name for name in given.values if name not in space.names]
    if unknown:
        raise ConfigError(f"{given.where}: {', '.join(unknown)} {'is not a variable' if len(unknown) == 1 else 'are not variables'} "
                          f"of the experiment (its variables: {', '.join(space.names)})")
    missing = [name for name in space.names if name not in given.values]
    if missing:
        raise ConfigError(f"{given.where}: no value for {', '.join(missing)}; a queued configuration gives every "
                          f"variable ({', '.join(space.names)})")
    raw = {}
    for variable in space.variables:
        value = given.values[variable.name]
        try:
            raw[variable.name] = raw_value(variable, value)
        except ValueError as exc:
            raise ConfigError(f"{given.where}: {variable.name}={_shown(value)}: {exc}") from None
    return raw


def raw_value(variable: Variable, value: Any) -> Any:
    """One variable's raw value (a list for ``size`` > 1) from its network value; ValueError
    saying what the variable accepts."""
    if variable.size > 1:
        if not isinstance(value, list) or len(value) != variable.size:
            raise ValueError(f"{variable.name} holds {variable.size} values; give a list of {variable.size} "
                             f"(e.g. {variable.name}=[...])")
        return [_raw_element(variable, element) for element in value]
    return _raw_element(variable, value)


def _raw_element(variable: Variable, value: Any) -> Any:
    if variable.type is VariableType.ENUM:
        for option in variable.options:
            network = variable.network_value(option)
            if network == value or str(network) == str(value):
                return option
        raise ValueError(f"not one of {variable.name}'s options ({', '.join(map(_shown, _network_options(variable)))})")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{variable.name} takes {accepted_values(variable)}")
    raw = _inverse(variable, float(value)) if variable.transform else value
    kept = variable.clipped_element(raw)
    if kept is None:
        raise ValueError(f"outside {variable.name}'s values: {accepted_values(variable)}")
    return kept


def _inverse(variable: Variable, value: float) -> float:
    """The raw value of a transformed variable: the inverse, or that inverse rounded to 12
    significant digits when it maps back to ``value`` at least as closely (log10(0.001) is
    -2.9999999999999996, whose network value would be 0.0010000000000000009, not the 0.001 given)."""
    exact = invert_transform(variable.transform, value)
    rounded = float(f"{exact:.12g}")
    error = lambda raw: abs(apply_transform(variable.transform, raw) - value)  # noqa: E731
    return rounded if error(rounded) <= error(exact) else exact


def accepted_values(variable: Variable) -> str:
    """What a variable takes, in network values: ``16, 32, 64`` for a small grid, else a range,
    with the transform that maps the search range onto it."""
    low, high = (apply_transform(variable.transform, bound) for bound in (variable.min, variable.max))
    low, high = min(low, high), max(low, high)
    how = f" ({variable.transform} of {variable.min}..{variable.max})" if variable.transform else ""
    if variable.type is VariableType.INT:
        count = variable.max - variable.min + 1
        if count <= LISTED_VALUES:
            values = [apply_transform(variable.transform, v) for v in range(variable.min, variable.max + 1)]
            return f"one of {', '.join(map(_shown, sorted(values)))}{how}"
        return f"an integer in {low}..{high}{how}" if not variable.transform else \
            f"{variable.transform} of an integer in {variable.min}..{variable.max}, {_shown(low)}..{_shown(high)}"
    return f"a number in {_shown(low)}..{_shown(high)}{how}"


def _network_options(variable: Variable) -> list[Any]:
    return [variable.network_value(option) for option in variable.options]


def _shown(value: Any) -> str:
    return format(value, ".10g") if isinstance(value, float) else str(value)
