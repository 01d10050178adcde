"""The ``hyperpower`` section of config.json as the code sees it: one object per concern.

``HyperPowerSettings`` holds the groups; ``from_section`` reads a flat section (keys spelled with
``-`` or ``_``) by handing each group its keys, ``to_section`` writes them back flat. The checks
that span groups (the method against the number of objectives, the rung ladder against the epochs)
live here, the only place that sees every group.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Mapping

from hyperpower.errors import ConfigError
from hyperpower.settings.budgets import BudgetSettings
from hyperpower.settings.devices import DeviceSettings
from hyperpower.settings.measurement import MeasurementSettings
from hyperpower.settings.objectives import ObjectiveSettings
from hyperpower.settings.schedule import ScheduleSettings, check_schedule, top_epochs
from hyperpower.settings.search import (DEFAULT_METHOD, DEFAULT_MULTI_OBJECTIVE_METHOD, MULTI_OBJECTIVE_METHODS,
                                        SINGLE_OBJECTIVE_METHODS, SearchSettings)
from hyperpower.settings.training import TrainingSettings
from hyperpower.settings.transfer import TransferSettings

#: group attribute -> its class, in the order the section lists their keys
GROUPS = {"objectives": ObjectiveSettings, "budgets": BudgetSettings, "search": SearchSettings,
          "training": TrainingSettings, "schedule": ScheduleSettings, "devices": DeviceSettings,
          "transfer": TransferSettings, "measurement": MeasurementSettings}
#: the one key no group owns: the store's URI
STORE_KEY = "store"


@dataclasses.dataclass
class HyperPowerSettings:
    """The ``hyperpower`` section; defaults are what a plain Spearmint folder runs with."""

    objectives: ObjectiveSettings = dataclasses.field(default_factory=ObjectiveSettings)
    budgets: BudgetSettings = dataclasses.field(default_factory=BudgetSettings)
    search: SearchSettings = dataclasses.field(default_factory=SearchSettings)
    training: TrainingSettings = dataclasses.field(default_factory=TrainingSettings)
    schedule: ScheduleSettings = dataclasses.field(default_factory=ScheduleSettings)
    devices: DeviceSettings = dataclasses.field(default_factory=DeviceSettings)
    transfer: TransferSettings = dataclasses.field(default_factory=TransferSettings)
    measurement: MeasurementSettings = dataclasses.field(default_factory=MeasurementSettings)
    #: the experiment store's URI (None: EXP/hyperpower.sqlite)
    store: str | None = None

    def copy(self) -> "HyperPowerSettings":
        """An independent copy (the groups are mutable: a shallow copy would share them)."""
        return copy.deepcopy(self)

    @classmethod
    def from_section(cls, raw: Any, where: str = "config.json") -> "HyperPowerSettings":
        """Settings from a ``hyperpower`` section (every check of config.json's values)."""
        return settings_from_section(raw, where)[0]

    def to_section(self) -> dict[str, Any]:
        section: dict[str, Any] = {}
        for name in GROUPS:
            section.update(getattr(self, name).to_section())
        section[STORE_KEY] = self.store
        return section


def known_keys() -> dict[str, str]:
    """Every key the section may hold, as the file may spell it -> its canonical spelling."""
    keys = [key for group in GROUPS.values() for key in group.KEYS] + [STORE_KEY]
    return {**{key.replace("_", "-"): key for key in keys}, **{key: key for key in keys}}


def settings_from_section(raw: Any, where: str) -> tuple[HyperPowerSettings, set[str]]:
    """The section's settings and the (canonical) keys it gives; ConfigError naming ``where``."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the 'hyperpower' section must be an object")
    known = known_keys()
    section = {}
    for key, value in raw.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} in the 'hyperpower' section")
        section[known[key]] = value
    groups = {name: group.from_section(section, where) for name, group in GROUPS.items()}
    settings = HyperPowerSettings(**groups, store=section.get(STORE_KEY))
    check_settings_schedule(settings, f"{where}: the 'hyperpower' section's")
    return settings, set(section)


def check_method_fits(settings: HyperPowerSettings, where: str = "", objectives_from: str = "") -> None:
    """EI methods improve one objective; EHVI and PABO need two or more to trade off.
    ``objectives_from``: where the objectives came from when no flag gave them (named in the refusal)."""
    prefix = f"{where}: " if where else ""
    source = f"; {objectives_from}" if objectives_from else ""
    names, method = settings.objectives.names, settings.search.method
    if len(names) > 1 and method in SINGLE_OBJECTIVE_METHODS:
        raise ConfigError(
            f"{prefix}--method {method} improves one objective (expected improvement over one "
            f"incumbent), but {len(names)} objectives are minimized ({', '.join(names)}{source}); use --method "
            f"{DEFAULT_MULTI_OBJECTIVE_METHOD} (expected hypervolume improvement, the default for several "
            f"objectives) or pabo (one agent per objective), or rand / rand-walk, or optimize one objective")
    if len(names) < 2 and method in MULTI_OBJECTIVE_METHODS:
        raise ConfigError(
            f"{prefix}--method {method} trades off several objectives, but only {names[0]!r} is minimized"
            f"{f' ({objectives_from})' if objectives_from else ''}; "
            f"give two or more (--optimize error --optimize power, or two OBJECTIVE tasks in a Spearmint "
            f"config), or use --method {DEFAULT_METHOD} for one objective")


def default_method(settings: HyperPowerSettings, constrained: bool = False) -> str:
    """The method a run takes when none is given: EHVI for several objectives, HW-IECI for one
    (HW-CWEI for a Spearmint folder's measured-only constraints)."""
    if settings.objectives.several:
        return DEFAULT_MULTI_OBJECTIVE_METHOD
    return "hw-cwei" if constrained else DEFAULT_METHOD


def check_settings_schedule(settings: HyperPowerSettings, where: str = "") -> None:
    """The scheduler settings make a rung ladder (``check_schedule``); the top rung is
    ``max_epochs``, else ``epochs``, else the default."""
    schedule = settings.schedule
    check_schedule(schedule.scheduler, schedule.min_epochs, schedule.max_epochs, schedule.eta, where)
    top = top_epochs(settings)
    if schedule.scheduler is not None and schedule.max_epochs is None and schedule.min_epochs > top:
        raise ConfigError(f"{where + ' ' if where else ''}--min-epochs {schedule.min_epochs} is more than the top "
                          f"rung's {top} epochs (--max-epochs defaults to --epochs, else 10): give --max-epochs "
                          f"of at least {schedule.min_epochs}, or a smaller --min-epochs")


def with_changes(settings: HyperPowerSettings, **groups: Mapping[str, Any]) -> HyperPowerSettings:
    """A copy with some fields of some groups changed: ``with_changes(s, devices={"device": "cpu"})``."""
    changed = settings.copy()
    for name, fields in groups.items():
        setattr(changed, name, getattr(changed, name).replaced(**fields))
    return changed
