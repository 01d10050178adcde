"""Template transforms: map the optimizer's value ``v`` to the value written into the network.

``X<n>`` -> ``v*n``; ``NEGEXP<b>`` -> ``b**(-v)``; ``LOG<b>`` and ``EXP<b>`` -> ``b**v``.
(The names follow the original tool and CWSM: ``LOG2`` searches the exponent, so the optimizer's
value 2 becomes 4 in the network.)
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable

_PATTERN = re.compile(r"^(X|NEGEXP|LOG|EXP)(\d+(?:\.\d+)?)$")
KNOWN_TRANSFORMS = "X<n>, NEGEXP<b>, LOG<b>, EXP<b> (e.g. X16, NEGEXP10, LOG2)"


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


def parse_transform(name: str) -> Callable[[Any], Any]:
    """Return the function for a transform name; ValueError names the accepted forms."""
    match = _PATTERN.match(name.strip()) if isinstance(name, str) else None
    if not match:
        raise ValueError(f"unknown transform {name!r}; expected one of {KNOWN_TRANSFORMS}")
    kind, number = match.group(1), _number(match.group(2))
    if kind == "X":
        return lambda v: v * number
    if number <= 0 or number == 1:
        raise ValueError(f"transform {name!r} needs a base > 0 and != 1")
    if kind == "NEGEXP":
        return lambda v: number ** (-v)
    return lambda v: number ** v  # LOG and EXP


def invert_transform(name: str, value: float) -> float:
    """The optimizer's value ``v`` whose transform gives the network value ``value`` (``v`` may
    be off by floating-point rounding: the caller checks it against the variable); ValueError
    when no ``v`` gives it (a power of a base is positive)."""
    match = _PATTERN.match(name.strip())
    if not match:
        raise ValueError(f"unknown transform {name!r}; expected one of {KNOWN_TRANSFORMS}")
    kind, number = match.group(1), _number(match.group(2))
    if kind == "X":
        if number == 0:
            raise ValueError(f"transform {name} maps every value to 0, so it cannot be inverted")
        return value / number
    if value <= 0:
        raise ValueError(f"transform {name} gives only positive values ({number} to a power)")
    exponent = math.log(value) / math.log(number)
    return -exponent if kind == "NEGEXP" else exponent


def apply_transform(name: str | None, value: Any) -> Any:
    """Apply a transform to a scalar or a list of scalars; ``None`` leaves the value as is."""
    if not name:
        return value
    function = parse_transform(name)
    if isinstance(value, (list, tuple)):
        return [_plain(function(v)) for v in value]
    return _plain(function(value))


def _plain(value: Any) -> Any:
    """numpy scalars -> Python scalars, so ``repr`` renders a clean literal."""
    return value.item() if hasattr(value, "item") else value
