"""Transfer: the finished experiments whose results warm-start this one (``optimize.transfer``)."""

from __future__ import annotations

import dataclasses

from hyperpower.settings.group import SettingsGroup


@dataclasses.dataclass
class TransferSettings(SettingsGroup):
    """sources: the experiments ``--transfer-from`` names (config.json ``transfer_from``)."""

    sources: list[str] = dataclasses.field(default_factory=list)

    KEYS = {"transfer_from": "sources"}
