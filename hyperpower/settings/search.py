"""How the search runs: the method (and whether it knows the hardware models), its initial design,
seed and step, and how long the run goes on."""

from __future__ import annotations

import dataclasses

from hyperpower.errors import ConfigError
from hyperpower.settings.group import SettingsGroup

METHODS = ("hw-ieci", "hw-cwei", "rand", "rand-walk", "ehvi", "pabo")
#: methods that improve one objective only (EI needs one incumbent), and those that need several
SINGLE_OBJECTIVE_METHODS = ("hw-ieci", "hw-cwei")
MULTI_OBJECTIVE_METHODS = ("ehvi", "pabo")
DEFAULT_METHOD = "hw-ieci"
#: the one place the default method of several objectives is decided (issue 12: the benchmark's winner)
DEFAULT_MULTI_OBJECTIVE_METHOD = "ehvi"


@dataclasses.dataclass
class SearchSettings(SettingsGroup):
    """method and aware (design §6); initial_design: Sobol points before the model-based method;
    sigma0: Rand-Walk's step; max_evals: finished jobs the experiment should have; max_time_s: the
    run's time limit (None: none)."""

    method: str = DEFAULT_METHOD
    aware: bool = True
    initial_design: int = 3
    seed: int | None = None
    sigma0: float = 0.1
    max_evals: int = 30
    max_time_s: float | None = None

    KEYS = {"method": "method", "aware": "aware", "max_evals": "max_evals", "max_time_s": "max_time_s",
            "initial_design": "initial_design", "seed": "seed", "sigma0": "sigma0"}

    def check(self, where: str = "") -> None:
        if self.method not in METHODS:
            raise ConfigError(f"{where}: method {self.method!r} is not one of {', '.join(METHODS)}")

    @property
    def label(self) -> str:
        """``hw-ieci`` for the hardware-aware form, ``hw-ieci-unaware`` for the paper's baseline: the
        ``method`` every job records."""
        return self.method if self.aware else f"{self.method}-unaware"
