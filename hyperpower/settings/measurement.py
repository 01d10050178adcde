"""Measurement: how many configurations ``run`` profiles when a model is missing."""

from __future__ import annotations

import dataclasses
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.settings.group import SettingsGroup

#: profiling samples: 40 suffice for the pairwise models' ridge fit, 30 for the paper's linear ones
DEFAULT_PROFILE_SAMPLES = 30
MIN_PROFILE_SAMPLES = 3


@dataclasses.dataclass
class MeasurementSettings(SettingsGroup):
    """profile_samples: configurations measured when a run profiles on the fly."""

    profile_samples: int = DEFAULT_PROFILE_SAMPLES

    KEYS = {"profile_samples": "profile_samples"}

    def check(self, where: str = "") -> None:
        check_profile_samples(self.profile_samples, f"{where}: the 'hyperpower' section's profile-samples")


def check_profile_samples(value: Any, what: str = "--profile-samples") -> int:
    """A linear model needs at least 3 samples; ``what`` names the flag or the config key."""
    if isinstance(value, bool) or not isinstance(value, int) or value < MIN_PROFILE_SAMPLES:
        raise ConfigError(f"{what} must be an integer of at least {MIN_PROFILE_SAMPLES} (configurations measured "
                          f"when run profiles on the fly; default {DEFAULT_PROFILE_SAMPLES}), got {value!r}")
    return value
