"""The devices of a run: the one it measures (``--device``), or the device as a search variable
(``--devices``, a DEVICE token) with the prices that make ``cost``."""

from __future__ import annotations

import dataclasses

from hyperpower.settings.group import SettingsGroup


@dataclasses.dataclass
class DeviceSettings(SettingsGroup):
    """device: the device this run measures on (None: automatic). options: the devices a search
    chooses among (config.json ``devices``; empty: the device is no variable). variable: the
    variable's name. prices: device -> currency per hour (``cost`` = price x training hours)."""

    device: str | None = None
    options: list[str] = dataclasses.field(default_factory=list)
    variable: str | None = None
    prices: dict[str, float] = dataclasses.field(default_factory=dict)

    KEYS = {"device": "device", "devices": "options", "device_variable": "variable", "prices": "prices"}
