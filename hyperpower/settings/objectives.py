"""What a run minimizes: one objective or several in order, their reference point, the split.

config.json keeps the objectives in the one ``objective`` key: a name for one objective (as every
config before issue 12 has it), a list for several, the first the primary.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Mapping

from hyperpower.errors import ConfigError
from hyperpower.settings.group import SettingsGroup

#: which split gives the objective and stops trainings early: a validation split carved from the
#: training data (default), or the test split (the paper's setting, kept for its benchmark)
OBJECTIVE_SPLITS = ("validation", "test")


@dataclasses.dataclass
class ObjectiveSettings(SettingsGroup):
    """names: the minimized objectives in order, the primary first. reference: a fixed
    hypervolume reference point of several objectives (objective -> value); empty: the default rule
    (worst feasible value + 10% of its range). split: which split gives ``error``."""

    names: list[str] = dataclasses.field(default_factory=lambda: ["error"])
    reference: dict[str, float] = dataclasses.field(default_factory=dict)
    split: str = "validation"

    KEYS = {"objective": "names", "reference": "reference", "objective_split": "split"}

    @property
    def primary(self) -> str:
        return self.names[0]

    @property
    def several(self) -> bool:
        return len(self.names) > 1

    @classmethod
    def from_section(cls, section: Mapping[str, Any], where: str) -> "ObjectiveSettings":
        group = cls(names=objective_names(section.get("objective", "error"), where),
                    reference=reference_values(section.get("reference", {}), None, where),
                    split=section.get("objective_split", "validation"))
        group.check(where)
        return group

    def to_section(self) -> dict[str, Any]:
        section = super().to_section()
        section["objective"] = self.names[0] if len(self.names) == 1 else list(self.names)
        return section

    def check(self, where: str = "") -> None:
        if self.split not in OBJECTIVE_SPLITS:
            raise ConfigError(f"{where}: objective-split {self.split!r} in the 'hyperpower' section is not one of "
                              f"{', '.join(OBJECTIVE_SPLITS)}")


def objective_names(value: Any, where: str) -> list[str]:
    """The section's ``objective``: one name (every config before issue 12), or a list of two or
    more in order, the first the primary."""
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise ConfigError(f"{where}: the 'hyperpower' section's objective must be a name or a list of names "
                          f"(several objectives), got {value!r}")
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: the 'hyperpower' section's objective lists {value!r}: a name twice")
    return list(names)


def reference_values(value: Any, objectives: list[str] | None, where: str) -> dict[str, float]:
    """objective -> finite number; with ``objectives``, only for those (an unknown name is refused)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: the 'hyperpower' section's reference must be an object of objective -> "
                          f"value, got {value!r}")
    for name, number in value.items():
        if objectives is not None and name not in objectives:
            raise ConfigError(f"{where}: the 'hyperpower' section's reference names {name!r}, which is not an "
                              f"objective ({', '.join(objectives)})")
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ConfigError(f"{where}: the 'hyperpower' section's reference {name}={number!r} is not a number")
    missing = [name for name in objectives or [] if value and name not in value]
    if missing:
        raise ConfigError(f"{where}: the 'hyperpower' section's reference point lacks {', '.join(missing)}; it gives "
                          f"a value for every objective ({', '.join(objectives)}), or is left out (default rule)")
    return {name: float(number) for name, number in value.items()}
