"""Budgets and their calibration: the limits, the a-priori models that check them, and how the
limits are tightened against the models' errors (a margin, or a calibrated violation rate)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from hyperpower.errors import ConfigError
from hyperpower.settings.group import SettingsGroup


@dataclasses.dataclass
class BudgetSettings(SettingsGroup):
    """limits: metric -> upper limit in the metric's unit (config.json ``budgets``). models:
    metric (or ``metric@device``) -> model file or inline model. margin: budgets tightened by this
    many cross-validated model errors (``model_margin``). violation_rate: calibrated budgets, the
    accepted share allowed to measure over (0: off). models_fixed: True keeps the a-priori models
    as profiled (the paper's HyperPower); False (default): each is the prior mean of a GP over its
    residuals and learns from the jobs' measurements (``optimize.learned_model``)."""

    limits: dict[str, float] = dataclasses.field(default_factory=dict)
    models: dict[str, Any] = dataclasses.field(default_factory=dict)
    margin: float = 0.0
    violation_rate: float = 0.0
    models_fixed: bool = False

    KEYS = {"budgets": "limits", "models": "models", "model_margin": "margin", "violation_rate": "violation_rate",
            "models_fixed": "models_fixed"}

    def check(self, where: str = "") -> None:
        check_budget_tightening(self.margin, self.violation_rate, f"{where}: the 'hyperpower' section's")
        if not isinstance(self.models_fixed, bool):
            raise ConfigError(f"{where}: models-fixed {self.models_fixed!r} in the 'hyperpower' section is not true or "
                              f"false (true: the a-priori models stay as profiled; false: they learn from measurements)")


def check_budget_tightening(margin: Any, rate: Any, where: str = "") -> None:
    """``model-margin`` (K cross-validated errors) and ``violation-rate`` (a calibrated error
    quantile) are two ways to tighten the budgets; one at a time, each a valid number."""
    prefix = f"{where} " if where else ""
    for flag, value, valid in (("--model-margin", margin, "a number >= 0"),
                               ("--violation-rate", rate, "a fraction in [0, 1), e.g. 0.05 (0: off)")):
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not number or value < 0 or (flag == "--violation-rate" and value >= 1):
            raise ConfigError(f"{prefix}{flag} must be {valid}, got {value!r}")
    if margin > 0 and rate > 0:
        raise ConfigError(f"{prefix}--model-margin {margin:g} and --violation-rate {rate:g} both tighten the budgets; "
                          "use one: --violation-rate (calibrated from the model's profiling residuals) replaces "
                          "--model-margin, so give --model-margin 0 with it, or --violation-rate 0 to keep the margin")
