"""The hyperpower section grouped by concern: old files load, the written keys stay, copies are deep."""

from __future__ import annotations

import json

from hyperpower.config import config_from_json, config_to_json
from hyperpower.settings.section import GROUPS, STORE_KEY, HyperPowerSettings, with_changes

#: a section as HyperPower wrote it before the groups (flat, in the old field order; models_fixed
#: came last, with issue 25), every key set
OLD_SECTION = {
    "objective": ["error", "memory"], "budgets": {"power": 90.0}, "method": "ehvi", "aware": False, "epochs": 4,
    "early_termination": {"epochs": 2, "min_accuracy": 0.2}, "max_evals": 12, "max_time_s": 600.0,
    "initial_design": 5, "seed": 3, "models": {"power": "models/power.json"}, "store": "sqlite:////tmp/x.sqlite",
    "sigma0": 0.2, "job_timeout_s": 120.0, "device": "cpu", "model_margin": 0.0, "violation_rate": 0.05,
    "objective_split": "test", "keep_models": "all", "profile_samples": 12, "reference": {"error": 1.0, "memory": 500.0},
    "scheduler": "asha", "min_epochs": 1, "max_epochs": 9, "eta": 3, "devices": ["cpu"], "device_variable": "device",
    "prices": {"cpu": 0.5}, "transfer_from": ["older"], "models_fixed": True,
}


def _config(section: dict) -> dict:
    return {"experiment-name": "e", "variables": {"x": {"type": "FLOAT", "min": 0, "max": 1}},
            "tasks": {"error": {"type": "OBJECTIVE"}, "memory": {"type": "OBJECTIVE"}}, "hyperpower": section}


def test_an_old_flat_section_loads_into_the_groups_and_writes_the_same_keys_and_values() -> None:
    config = config_from_json(_config(OLD_SECTION))
    settings = config.settings
    assert settings.objectives.names == ["error", "memory"] and settings.objectives.split == "test"
    assert settings.budgets.limits == {"power": 90.0} and settings.budgets.violation_rate == 0.05
    assert (settings.search.method, settings.search.aware, settings.search.max_evals) == ("ehvi", False, 12)
    assert (settings.schedule.scheduler, settings.schedule.max_epochs) == ("asha", 9)
    assert (settings.devices.device, settings.devices.options, settings.devices.prices) == ("cpu", ["cpu"], {"cpu": 0.5})
    assert settings.transfer.sources == ["older"] and settings.measurement.profile_samples == 12
    assert settings.budgets.models_fixed is True
    written = config_to_json(config)["hyperpower"]
    assert written == OLD_SECTION  # same keys, same values; only their order follows the groups
    assert config_from_json(json.loads(json.dumps(config_to_json(config)))).settings == settings


def test_hyphenated_keys_are_read_as_before() -> None:
    settings = HyperPowerSettings.from_section({"max-evals": 7, "keep-models": "none", "transfer-from": ["a"]})
    assert (settings.search.max_evals, settings.training.keep_models, settings.transfer.sources) == (7, "none", ["a"])


def test_every_key_belongs_to_exactly_one_group() -> None:
    owners = [key for group in GROUPS.values() for key in group.KEYS] + [STORE_KEY]
    assert len(owners) == len(set(owners)) == len(HyperPowerSettings().to_section())


def test_copies_share_no_group_with_the_original() -> None:
    original = HyperPowerSettings.from_section({"budgets": {"memory": 200.0}})
    copied = original.copy()
    copied.budgets.limits["power"] = 90.0
    changed = with_changes(original, devices={"device": "cpu"}, budgets={"margin": 1.0})
    assert original.budgets.limits == {"memory": 200.0} and original.devices.device is None
    assert changed.devices.device == "cpu" and changed.budgets.margin == 1.0 and changed.budgets.limits == {"memory": 200.0}
