"""Write-ups that follow their data: the tables and the findings (every sentence with a measured
number) of a benchmark's markdown live between markers and are rewritten by its report script from
the result files; the hand-written text around them explains the set-up and the reasons, and
states no result.

    <!-- begin generated: findings -->
    ... replaced by the report script ...
    <!-- end generated: findings -->
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Iterable

import numpy as np

_BLOCK = re.compile(r"(<!-- begin generated: (?P<name>[\w.-]+) -->\n)(?P<body>.*?)(<!-- end generated: (?P=name) -->)", re.S)


def blocks(text: str) -> dict[str, str]:
    """name -> content of every generated block of a write-up."""
    return {match["name"]: match["body"] for match in _BLOCK.finditer(text)}


def fill(text: str, contents: dict[str, str]) -> str:
    """``text`` with each named block's content replaced; every name must have its markers."""
    missing = sorted(set(contents) - set(blocks(text)))
    if missing:
        raise KeyError(f"the write-up has no generated block named {', '.join(missing)}: add "
                       f"'<!-- begin generated: NAME -->' and '<!-- end generated: NAME -->' lines")

    def replace(match: re.Match) -> str:
        body = contents.get(match["name"])
        return match.group(0) if body is None else match.group(1) + body.rstrip("\n") + "\n" + match.group(4)

    return _BLOCK.sub(replace, text)


def update(path: Path, contents: dict[str, str]) -> None:
    """Rewrite the named generated blocks of the write-up at ``path``, leaving the rest as it is."""
    path.write_text(fill(path.read_text(), contents))


def bullets(sentences: Iterable[str]) -> str:
    return "\n".join(f"- {sentence}" for sentence in sentences) + "\n"


def median_quartiles(values: Iterable[float]) -> tuple[float, float, float]:
    q1, median, q3 = np.percentile(np.asarray(list(values), dtype=float), [25, 50, 75])
    return float(median), float(q1), float(q3)


def count_of(condition: Iterable[bool]) -> tuple[int, int]:
    """(how many are true, how many there are)."""
    flags = list(condition)
    return sum(bool(flag) for flag in flags), len(flags)


#: the initial design of a method that draws every point at random
ALL_RANDOM = "all random"


def design_text(design: int | str | None) -> str:
    """A method's initial design as the tables state it ("-" where no runner states it)."""
    return "-" if design is None else str(design)


def ratio_text(numerator: float, denominator: float) -> str:
    """"2.8x" (or "-" when either side is not a positive number)."""
    if not (math.isfinite(numerator) and math.isfinite(denominator)) or numerator <= 0 or denominator <= 0:
        return "-"
    return f"{numerator / denominator:.1f}x"
