"""One concern of config.json's ``hyperpower`` section, read and written in one place.

Each group (objectives, budgets, search, training, schedule, devices, transfer, measurement)
owns some keys of the section: ``KEYS`` maps each key, as the file spells it, to the group's
field. The file stays flat, as every HyperPower config before the groups has it, so old files
load and the written form keeps its keys; only the code sees the groups.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, ClassVar, Mapping, TypeVar

Group = TypeVar("Group", bound="SettingsGroup")


class SettingsGroup:
    """Base of the groups: reads its keys from a section, writes them back, checks its values.

    ``check`` is the one validation of the group's values, whether they come from config.json
    (``where`` names the file and section) or from flags (``generate`` calls it after setting)."""

    #: config.json key -> field name, in the order the section lists them
    KEYS: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_section(cls: type[Group], section: Mapping[str, Any], where: str) -> Group:
        group = cls(**{field: section[key] for key, field in cls.KEYS.items() if key in section})
        group.check(where)
        return group

    def to_section(self) -> dict[str, Any]:
        return {key: copy.deepcopy(getattr(self, field)) for key, field in self.KEYS.items()}

    def check(self, where: str = "") -> None:
        """ConfigError naming ``where`` and the key when a value is not valid; nothing to check by default."""

    def replaced(self: Group, **changes: Any) -> Group:
        """A copy with ``changes``; the original is left as it was (groups are shared by reference)."""
        return dataclasses.replace(copy.deepcopy(self), **changes)


def section_prefix(where: str) -> str:
    """``config.json: the 'hyperpower' section's`` for a file; ``--flag`` messages have no prefix."""
    return f"{where} " if where else ""
