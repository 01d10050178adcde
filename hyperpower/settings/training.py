"""How each job trains: its epochs, early termination, how long it may take, which trained models
are kept."""

from __future__ import annotations

import dataclasses
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.settings.group import SettingsGroup

#: which jobs' trained models stay in EXP/output: the current best, every complete job, or none
KEEP_MODELS = ("best", "all", "none")


@dataclasses.dataclass
class TrainingSettings(SettingsGroup):
    """epochs: every job's (None: the network file's own, else the default); early_termination:
    ``{"epochs", "min_accuracy"}`` of aware runs; job_timeout_s: a job's time limit (None: none);
    keep_models: best, all or none."""

    epochs: int | None = None
    early_termination: dict[str, Any] = dataclasses.field(default_factory=lambda: {"epochs": 2, "min_accuracy": None})
    job_timeout_s: float | None = None
    keep_models: str = "best"

    KEYS = {"epochs": "epochs", "early_termination": "early_termination", "job_timeout_s": "job_timeout_s",
            "keep_models": "keep_models"}

    def check(self, where: str = "") -> None:
        if self.keep_models not in KEEP_MODELS:
            raise ConfigError(f"{where}: keep-models {self.keep_models!r} in the 'hyperpower' section is not one of "
                              f"{', '.join(KEEP_MODELS)}")
