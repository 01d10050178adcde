"""Search space: variables and their map to and from the unit cube the optimizer works in.

Each variable owns one or more unit-cube coordinates:

* FLOAT: one coordinate, linear or log scale between ``min`` and ``max``.
* INT: one coordinate covering ``[min - 0.5, max + 0.5]`` so the end values are as likely as the
  middle ones; decoding rounds to the nearest integer.
* ENUM: one coordinate per option (one-hot); decoding takes the arg-max.

A Spearmint variable of ``size`` k repeats that block k times. ``raw`` values are the optimizer's
(Spearmint's) values, before template transforms; ``network`` values are after transforms.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any, Iterable, Sequence

import numpy as np

from hyperpower.transforms import apply_transform, parse_transform


#: relative slack within which a value beyond a bound (or off an integer) is floating-point
#: rounding and not a different value: exp(log(0.01)) gives 0.010000000000000004, 4e-16 relative
ROUNDING = 1e-9


class VariableType(str, enum.Enum):
    INT = "INT"
    FLOAT = "FLOAT"
    ENUM = "ENUM"


@dataclasses.dataclass(frozen=True)
class Variable:
    """One hyper-parameter. Construction validates and raises ValueError with the reason."""

    name: str
    type: VariableType
    min: float | None = None
    max: float | None = None
    options: tuple[Any, ...] = ()
    size: int = 1
    transform: str | None = None
    log_scale: bool = False
    structural: bool | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", VariableType(self.type))
        object.__setattr__(self, "options", tuple(self.options))
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(f"variable name {self.name!r} is not a valid identifier")
        if not isinstance(self.size, int) or self.size < 1:
            raise ValueError(f"variable {self.name!r}: size must be a positive integer")
        if self.type is VariableType.ENUM:
            self._check_options()
        else:
            self._check_bounds()
        if self.transform:
            parse_transform(self.transform)

    def _check_options(self) -> None:
        if not self.options:
            raise ValueError(f"ENUM variable {self.name!r} needs a non-empty 'options' list")
        seen = []
        for option in self.options:
            if option in seen:
                raise ValueError(f"ENUM variable {self.name!r} lists option {option!r} twice")
            seen.append(option)
        if self.log_scale:
            raise ValueError(f"ENUM variable {self.name!r} cannot have a log scale")

    def _check_bounds(self) -> None:
        for key in ("min", "max"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{self.type.value} variable {self.name!r} needs a finite number for {key!r}, got {value!r}")
        if self.min > self.max:
            raise ValueError(f"variable {self.name!r} has min {self.min} > max {self.max}")
        if self.type is VariableType.INT:
            if int(self.min) != self.min or int(self.max) != self.max:
                raise ValueError(f"INT variable {self.name!r} needs integer bounds, got {self.min}..{self.max}")
            object.__setattr__(self, "min", int(self.min))
            object.__setattr__(self, "max", int(self.max))
            if self.log_scale:
                raise ValueError(f"INT variable {self.name!r} cannot have a log scale; use a LOG transform")
        if self.log_scale and self.min <= 0:
            raise ValueError(f"log-scale variable {self.name!r} needs min > 0, got {self.min}")

    # -- unit cube ----------------------------------------------------------------------------
    @property
    def element_dims(self) -> int:
        return len(self.options) if self.type is VariableType.ENUM else 1

    @property
    def unit_dims(self) -> int:
        return self.element_dims * self.size

    def _element_to_unit(self, value: Any) -> np.ndarray:
        if self.type is VariableType.ENUM:
            one_hot = np.zeros(len(self.options))
            one_hot[self.options.index(value)] = 1.0
            return one_hot
        if self.type is VariableType.INT:
            unit = (float(value) - self.min + 0.5) / (self.max - self.min + 1)
        elif self.max == self.min:
            unit = 0.5
        elif self.log_scale:
            unit = (math.log(value) - math.log(self.min)) / (math.log(self.max) - math.log(self.min))
        else:
            unit = (float(value) - self.min) / (self.max - self.min)
        return np.array([min(max(unit, 0.0), 1.0)])

    def _element_from_unit(self, unit: np.ndarray) -> Any:
        if self.type is VariableType.ENUM:
            return self.options[int(np.argmax(unit))]
        u = float(np.clip(unit[0], 0.0, 1.0))
        if self.type is VariableType.INT:
            value = math.floor(self.min - 0.5 + u * (self.max - self.min + 1) + 0.5)
            return int(min(max(value, self.min), self.max))
        if self.log_scale:  # exp(log) rounds: u = 1 gave 0.010000000000000004 for a max of 0.01
            if u in (0.0, 1.0):
                return float(self.max if u else self.min)
            value = math.exp(math.log(self.min) + u * (math.log(self.max) - math.log(self.min)))
            return float(min(max(value, self.min), self.max))
        return float(min(max(self.min + u * (self.max - self.min), self.min), self.max))

    def to_unit(self, raw: Any) -> np.ndarray:
        """Raw value (scalar, or list of ``size``) -> its unit-cube coordinates."""
        values = raw if self.size > 1 else [raw]
        if len(values) != self.size:
            raise ValueError(f"variable {self.name!r} expects {self.size} values, got {len(values)}")
        return np.concatenate([self._element_to_unit(v) for v in values])

    def from_unit(self, unit: Sequence[float]) -> Any:
        """Unit-cube coordinates -> raw value (rounded/arg-maxed/clipped)."""
        unit = np.asarray(unit, dtype=float)
        width = self.element_dims
        values = [self._element_from_unit(unit[i * width:(i + 1) * width]) for i in range(self.size)]
        return values if self.size > 1 else values[0]

    def contains(self, raw: Any) -> bool:
        values = raw if self.size > 1 else [raw]
        if self.type is VariableType.ENUM:
            return all(v in self.options for v in values)
        return all(isinstance(v, (int, float)) and self.min <= v <= self.max for v in values)

    def clipped(self, raw: Any) -> Any:
        """``raw`` with each number that lies beyond a bound by no more than floating-point
        rounding moved onto that bound (a stored 0.010000000000000004 for a max of 0.01, as
        ``exp(log(...))`` or a transform's inverse leaves it); None when a value is outside the
        variable beyond rounding, or is not a value of it at all."""
        if self.size > 1 and not isinstance(raw, (list, tuple)):
            return None
        values = list(raw) if self.size > 1 else [raw]
        if len(values) != self.size:
            return None
        kept = [self.clipped_element(value) for value in values]
        if any(value is None for value in kept):
            return None
        return kept if self.size > 1 else kept[0]

    def clipped_element(self, value: Any) -> Any:
        """One element's value as ``clipped`` keeps it (None when it is not a value of the variable)."""
        if self.type is VariableType.ENUM:
            return value if value in self.options else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return None
        slack = ROUNDING * max(abs(self.min), abs(self.max), self.max - self.min)
        if not self.min - slack <= value <= self.max + slack:
            return None
        value = min(max(value, self.min), self.max)
        if self.type is VariableType.INT:
            whole = round(value)
            return int(whole) if abs(value - whole) <= slack else None
        return float(value)

    def network_value(self, raw: Any) -> Any:
        """The value written into the network: the raw value after the transform."""
        return apply_transform(self.transform, raw)


class SearchSpace:
    """An ordered set of variables and the unit cube ``[0, 1]^dim`` that encodes them."""

    def __init__(self, variables: Iterable[Variable]) -> None:
        self.variables: list[Variable] = list(variables)
        names = [v.name for v in self.variables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate variable names: {', '.join(duplicates)}")
        self._slices: dict[str, slice] = {}
        start = 0
        for variable in self.variables:
            self._slices[variable.name] = slice(start, start + variable.unit_dims)
            start += variable.unit_dims
        self.dim = start

    def __len__(self) -> int:
        return len(self.variables)

    def __getitem__(self, name: str) -> Variable:
        for variable in self.variables:
            if variable.name == name:
                return variable
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    def slice_of(self, name: str) -> slice:
        """The unit-cube columns owned by a variable."""
        return self._slices[name]

    def to_unit(self, raw_params: dict[str, Any]) -> np.ndarray:
        """raw params -> (dim,) point in the unit cube."""
        return np.concatenate([v.to_unit(raw_params[v.name]) for v in self.variables]) if self.variables else np.zeros(0)

    def from_unit(self, point: Sequence[float]) -> dict[str, Any]:
        """(dim,) point -> raw params, each decoded onto its variable's grid."""
        point = np.asarray(point, dtype=float)
        return {v.name: v.from_unit(point[self._slices[v.name]]) for v in self.variables}

    def snap(self, points: np.ndarray) -> np.ndarray:
        """(n, dim) points -> the same points moved onto the grid (INT rounded, ENUM one-hot)."""
        points = np.atleast_2d(points)
        return np.array([self.to_unit(self.from_unit(p)) for p in points])

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """(n, dim) uniform random points, snapped to the grid."""
        return self.snap(rng.random((n, self.dim))) if n else np.zeros((0, self.dim))

    def network_params(self, raw_params: dict[str, Any]) -> dict[str, Any]:
        """raw params -> values written into the network (after transforms)."""
        return {v.name: v.network_value(raw_params[v.name]) for v in self.variables}

    def structural_names(self) -> list[str]:
        return [v.name for v in self.variables if v.structural]
